/**
 * Where `faceparse parse` writes, checked before the model loads: the --out folder must be (or
 * become) a writable folder, and no output may land on an input of the same run (a photo named
 * `a.labels.png` beside `a.jpg` with `--out` on their folder would be overwritten by a.jpg's label
 * map). An input whose outputs would do that is refused, the others go on.
 */
import { constants } from 'node:fs';
import { access, mkdir, open, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FaceParseError } from '../base/errors.js';
import type { InputFile } from './inputs.js';

/**
 * The file suffixes of each output kind; `masks` is a folder `<stem>.masks/` of PNGs, `faces` the
 * files `<stem>.face<N>.png` and `<stem>.face<N>.labels.png`, one pair per face found, `region` the
 * files `<stem>.region-<name>.png`, one per region.
 */
export const OUTPUT_SUFFIXES = {
  labels: '.labels.png',
  color: '.color.png',
  overlay: '.overlay.png',
  json: '.json',
  confidence: '.confidence.png',
  masks: '.masks',
  faces: '.face',
  region: '.region-',
} as const;

export type PlannedKind = keyof typeof OUTPUT_SUFFIXES;

async function realOrResolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return resolve(path);
    return join(await realOrResolved(parent), path.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  }
}

function errnoWords(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  if (code === 'ENOSPC') return 'no space left on the device';
  return code ?? (error as Error).message;
}

export interface OutDir {
  /** The folder's real path. */
  real: string;
  /** The first folder this call created (`out` or a parent of it), when it created any: see {@link removeIfUnused}. */
  created?: string;
}

/**
 * Makes sure `out` is a folder faceparse can write to, creating it if missing; one clear
 * FaceParseError otherwise (a file, a folder it cannot create or write).
 */
export async function prepareOutDir(out: string, flag = '--out'): Promise<OutDir> {
  const info = await stat(out).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new FaceParseError('INVALID_ARGUMENT', `${flag} ${out} is a file, not a folder; pass a folder for the outputs (it is created if missing)`);
  }
  let created: string | undefined;
  if (!info) {
    try {
      created = await mkdir(out, { recursive: true });
    } catch (error) {
      throw new FaceParseError('INVALID_ARGUMENT', `cannot create the output folder ${flag} ${out}: ${errnoWords(error)}; pass another ${flag}`, {
        cause: error,
      });
    }
  }
  // access() says yes to root for any folder; a real file creation also catches read-only mounts.
  const probe = join(out, `.faceparse-write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await access(out, constants.W_OK);
    const handle = await open(probe, 'wx');
    await handle.close();
    await unlink(probe);
  } catch (error) {
    await unlink(probe).catch(() => {});
    throw new FaceParseError('INVALID_ARGUMENT', `cannot write to the output folder ${flag} ${out}: ${errnoWords(error)}; pass another ${flag}`, {
      cause: error,
    });
  }
  return { real: await realpath(out), ...(created ? { created: resolve(created) } : {}) };
}

/**
 * Removes the folders {@link prepareOutDir} created for `out` while they are still empty: a run
 * that wrote nothing (no photos, a model that failed to load, every photo failed) leaves no empty
 * output folder behind. Only empty folders are removed (rmdir), from `out` up to the first created.
 */
export async function removeIfUnused(out: string, dir: OutDir): Promise<void> {
  if (!dir.created) return;
  for (let folder = resolve(out); ; folder = dirname(folder)) {
    try {
      await rmdir(folder);
    } catch {
      return; // not empty (something was written), or already gone
    }
    if (folder === dir.created || dirname(folder) === folder) return;
  }
}

/**
 * Splits `files` into those that can be parsed and those whose outputs would overwrite an input
 * of this run (compared by real path, links resolved, also through an output that is a link).
 */
export async function refuseOutputsOnInputs(
  files: readonly InputFile[],
  outReal: string,
  kinds: readonly PlannedKind[],
): Promise<{ files: InputFile[]; problems: Array<{ input: string; message: string }> }> {
  const inputs = new Map(files.map((f) => [f.realPath, f]));
  const keep: InputFile[] = [];
  const problems: Array<{ input: string; message: string }> = [];
  for (const file of files) {
    let clash: { output: string; input: InputFile } | undefined;
    for (const kind of kinds) {
      const output = join(outReal, file.stem + OUTPUT_SUFFIXES[kind]);
      if (kind === 'faces') {
        const inside = [...inputs.values()].find((f) => f.realPath.startsWith(output) && /^\d+(\.labels)?\.png$/.test(f.realPath.slice(output.length)));
        if (inside) clash = { output: `${output}<N>.png`, input: inside };
      } else if (kind === 'region') {
        const inside = [...inputs.values()].find((f) => f.realPath.startsWith(output) && f.realPath.endsWith('.png'));
        if (inside) clash = { output: `${output}<name>.png`, input: inside };
      } else if (kind === 'masks') {
        const inside = [...inputs.values()].find((f) => f.realPath.startsWith(output + sep));
        if (inside) clash = { output: join(output, '...'), input: inside };
      } else {
        const hit = inputs.get(output) ?? inputs.get(await realOrResolved(output));
        if (hit) clash = { output, input: hit };
      }
      if (clash) break;
    }
    if (clash) {
      problems.push({
        input: file.path,
        message:
          `not parsing ${file.path}: its output ${clash.output} would overwrite the input ${clash.input.path}; ` + 'pass an --out folder that holds no inputs',
      });
    } else {
      keep.push(file);
    }
  }
  return { files: keep, problems };
}
