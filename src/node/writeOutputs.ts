/**
 * Writing a parsed photo's outputs into a folder. Each file is written to a temporary name beside
 * its final one and renamed into place, so a process killed mid-write never leaves half a PNG, and
 * a photo parsed again replaces its own outputs only. All of a photo's files are written to their
 * temporary names first and renamed only when every one was written, so a full disk leaves none of
 * them (and says the disk is full). Outputs stay inside the output folder: a sub-folder of it that
 * is a link (to anywhere) is refused, not written through.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { FaceParseError } from '../base/errors.js';
import type { ParseResult } from '../pipeline/result.js';
import { encodeOutputs, type EncodedOutput, type EncodeOutputsOptions } from '../outputs/encodeOutputs.js';
import type { OutputKind } from '../outputs/kinds.js';

export interface WriteOutputsOptions extends EncodeOutputsOptions {
  /** The output folder. */
  out: string;
  /** The photo's name without extension, relative to `out` (may hold sub-folders). */
  stem: string;
  kinds: readonly OutputKind[];
  /**
   * Called with every file about to be written (path and bytes), after the folders are checked and
   * before anything is written; throws to refuse (the queue workers refuse to replace files that
   * are not their own outputs).
   */
  checkTargets?: (targets: ReadonlyArray<{ path: string; bytes: Uint8Array }>) => Promise<void>;
}

const tempName = (path: string) => join(dirname(path), `.${randomBytes(6).toString('hex')}.faceparse-tmp`);

/** An error of the file system in words, with what to do for a full disk. */
function writeError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new Error(
      `the disk is full (${code === 'EDQUOT' ? 'over the disk quota' : 'no space left on the device'}) writing ${path}; no output of this photo was kept: free some space and parse it again`,
      { cause: error },
    );
  }
  return error as Error;
}

/** Writes one file atomically: a temporary file in the same folder, then a rename over the final name. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = tempName(path);
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw writeError(path, error);
  }
}

/** The path each encoded output goes to. */
export function outputPath(out: string, stem: string, output: Pick<EncodedOutput, 'suffix'>): string {
  return join(out, stem) + output.suffix;
}

/**
 * Makes `folder` (inside `out`) and checks that no part of it below `out` is a link: its real path
 * must be the real `out` joined with the same relative path.
 */
async function folderInside(out: string, outReal: string, folder: string): Promise<void> {
  const rel = relative(out, folder);
  let at = out;
  for (const part of rel === '' ? [] : rel.split(sep)) {
    at = join(at, part);
    const info = await lstat(at).catch(() => undefined);
    if (info?.isSymbolicLink()) {
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        `${at} is a link; faceparse writes only inside the output folder ${out} and does not follow links in it: remove the link or pick another output folder`,
      );
    }
    if (info && !info.isDirectory()) throw new FaceParseError('INVALID_ARGUMENT', `${at} is a file, not a folder; cannot write the outputs under it`);
    if (!info)
      await mkdir(at).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw writeError(at, error);
      });
  }
  const real = await realpath(folder);
  if (real !== join(outReal, rel))
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `${folder} resolves to ${real}, outside the output folder ${out}; remove the link or pick another output folder`,
    );
}

/** Encodes and writes the asked-for outputs of one result; returns the files written (in a stable order) and the encode time. */
export async function writeOutputs(result: ParseResult, options: WriteOutputsOptions): Promise<{ files: string[]; encodeMs: number }> {
  const base = join(options.out, options.stem);
  await mkdir(options.out, { recursive: true }).catch((error: unknown) => {
    throw writeError(options.out, error);
  });
  const outReal = await realpath(options.out);
  await folderInside(options.out, outReal, dirname(base));
  const { outputs, encodeMs } = await encodeOutputs(result, options.kinds, options);
  if (outputs.some((o) => o.kind === 'masks')) await folderInside(options.out, outReal, `${base}.masks`);
  const files = outputs.map((o) => outputPath(options.out, options.stem, o));
  await options.checkTargets?.(files.map((path, i) => ({ path, bytes: outputs[i]!.bytes })));
  // Every file to its temporary name first; renamed only once all are written.
  const temps = files.map(tempName);
  try {
    await Promise.all(outputs.map((o, i) => writeFile(temps[i]!, o.bytes).catch((error: unknown) => Promise.reject(writeError(files[i]!, error)))));
    for (let i = 0; i < files.length; i++) await rename(temps[i]!, files[i]!);
  } catch (error) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw error;
  }
  return { files, encodeMs };
}
