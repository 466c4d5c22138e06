/**
 * Expanding CLI inputs (files, folders recursively, globs) into image files with output stems.
 *
 * Only regular files are taken: a FIFO, a device or a socket named like a photo is reported at
 * once (reading one would block or never end), and so are broken symbolic links and link loops.
 * Links to folders are followed once (a loop is walked once, so a photo is parsed once), the
 * same file reached by two paths is parsed once, and folders to skip (the --out folder inside an
 * input folder, so a run never re-parses its own outputs) are left out of the walk.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { hasImageExtension, IMAGE_EXTENSIONS } from '../base/imageFiles.js';
import { checkRegularFile, fileKind } from '../platform/node/regularFile.js';

export { IMAGE_EXTENSIONS };

export interface InputFile {
  path: string;
  /** Output name without extension, relative to --out (keeps sub-folders of folder inputs). */
  stem: string;
  /** The file's real path (links resolved): what outputs are checked against. */
  realPath: string;
}

export interface ExpandedInputs {
  files: InputFile[];
  /** Inputs that cannot be parsed, with why. */
  problems: Array<{ input: string; message: string }>;
  /** Things said once that are no failure (a folder left out of the walk, files that are not photos). */
  notes: string[];
  /** Files in input folders that are not photos (by extension), left out of the run and named in one note. */
  notPhotos: string[];
}

export interface ExpandOptions {
  /** Folders never walked into (compared by real path), with why, e.g. the --out folder. */
  skip?: Array<{ dir: string; why: string }>;
}

function stemOf(path: string): string {
  return basename(path, extname(path));
}

const isImageName = hasImageExtension;

async function realOrResolved(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

interface Walk {
  files: Array<{ path: string; rel: string }>;
  /** Regular files that are not photos, by extension. */
  others: string[];
  problems: ExpandedInputs['problems'];
  notes: string[];
  visited: Set<string>;
  skip: Map<string, string>;
}

/** Walks `dir` (shown as `shown`), depth first in name order, hidden entries skipped as a glob would. */
async function walk(dir: string, rel: string, w: Walk): Promise<void> {
  const real = await realOrResolved(dir);
  // A folder to skip is skipped below an input folder; given itself as the input, it is walked.
  if (w.visited.has(real)) return; // a link loop, or one folder reached twice
  const skipWhy = rel === '' ? undefined : w.skip.get(real);
  if (skipWhy !== undefined) {
    w.notes.push(`skipping ${dir}: ${skipWhy}`);
    return;
  }
  w.visited.add(real);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    w.problems.push({ input: dir, message: `cannot read folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    const entryRel = rel ? join(rel, entry.name) : entry.name;
    let info: Stats | undefined;
    if (entry.isSymbolicLink()) {
      const checked = await stat(path).catch((error: NodeJS.ErrnoException) => error);
      if (checked instanceof Error) {
        // A broken link or a loop named like a photo is reported; other broken links are not photos anyway.
        if (isImageName(entry.name) || checked.code === 'ELOOP') {
          const verdict = await checkRegularFile(path);
          if (!verdict.ok) w.problems.push({ input: path, message: verdict.error.message });
        } else {
          w.notes.push(`skipping ${path}: a broken symbolic link`);
        }
        continue;
      }
      info = checked;
    }
    const isDir = info ? info.isDirectory() : entry.isDirectory();
    if (isDir) {
      await walk(path, entryRel, w);
      continue;
    }
    const isFile = info ? info.isFile() : entry.isFile();
    if (!isImageName(entry.name)) {
      if (isFile) w.others.push(path);
      continue;
    }
    if (!isFile) {
      const kind = info ?? (await stat(path).catch(() => undefined));
      w.problems.push({
        input: path,
        message: `${path} is ${kind ? fileKind(kind) : 'not a regular file'}, not a regular file; skipped (faceparse reads images from regular files only)`,
      });
      continue;
    }
    w.files.push({ path, rel: entryRel });
  }
}

export async function expandInputs(inputs: readonly string[], options: ExpandOptions = {}): Promise<ExpandedInputs> {
  const candidates: Array<{ path: string; stem: string }> = [];
  const problems: ExpandedInputs['problems'] = [];
  const notes: string[] = [];
  const notPhotos: string[] = [];
  const skip = new Map<string, string>();
  for (const s of options.skip ?? []) skip.set(await realOrResolved(s.dir), s.why);
  for (const input of inputs) {
    let info: Stats | undefined;
    try {
      info = await stat(input);
    } catch {
      info = undefined;
    }
    if (info?.isDirectory()) {
      const w: Walk = { files: [], others: [], problems, notes, visited: new Set(), skip };
      const skipWhy = skip.get(await realOrResolved(input));
      if (skipWhy !== undefined)
        notes.push(
          `${input} is walked though ${skipWhy.replace(/ \(.*\)$/, '')}: outputs already in it are parsed as photos; pass another --out to keep them apart`,
        );
      await walk(input, '', w);
      if (w.files.length === 0 && !problems.some((p) => p.input.startsWith(input))) {
        problems.push({
          input,
          message: `folder ${input} has no photos (${IMAGE_EXTENSIONS.join(' ')})` + (w.others.length > 0 ? `; it holds ${notPhotoList(w.others)}` : ''),
        });
      } else {
        notPhotos.push(...w.others);
      }
      for (const f of w.files) candidates.push({ path: f.path, stem: join(relative('.', join(f.rel, '..')), stemOf(f.rel)) });
    } else if (info) {
      candidates.push({ path: input, stem: stemOf(input) });
    } else if (isDynamicPattern(input)) {
      const found = (await glob(input, { caseSensitiveMatch: false, onlyFiles: true })).sort();
      if (found.length === 0) problems.push({ input, message: `no files match ${input}` });
      for (const path of found) candidates.push({ path, stem: stemOf(path) });
    } else {
      const verdict = await checkRegularFile(input);
      problems.push({
        input,
        message: verdict.ok || /no such file/.test(verdict.error.message) ? `cannot read ${input}: no such file or folder` : verdict.error.message,
      });
    }
  }
  // Every file is checked to be a regular file before anything is parsed (named files and glob
  // matches too); the same photo named twice, or reached through a link, is parsed once; two
  // photos that would write the same outputs are refused.
  const byStem = new Map<string, InputFile>();
  const byIdentity = new Set<string>();
  const files: InputFile[] = [];
  for (const c of candidates) {
    const verdict = await checkRegularFile(c.path);
    if (!verdict.ok) {
      problems.push({ input: c.path, message: verdict.error.message });
      continue;
    }
    const identity = `${verdict.info.dev}:${verdict.info.ino}`;
    if (byIdentity.has(identity)) continue;
    const other = byStem.get(c.stem);
    if (other) {
      problems.push({
        input: c.path,
        message: `${c.path} would overwrite the outputs of ${other.path} (both are named ${c.stem}); parse them into different --out folders`,
      });
      continue;
    }
    byIdentity.add(identity);
    const file = { path: c.path, stem: c.stem, realPath: await realOrResolved(c.path) };
    byStem.set(c.stem, file);
    files.push(file);
  }
  if (notPhotos.length > 0) notes.push(`skipped ${notPhotoList(notPhotos)}`);
  return { files, problems, notes, notPhotos };
}

const VIDEO_EXTENSIONS = new Set(['.mp4', '.mov', '.m4v', '.avi', '.mkv', '.webm', '.mpg', '.mpeg', '.wmv', '.3gp']);
const LISTED = 10;

/** `2 files that are not photos: a/clip.mp4, a/notes.txt (...)`: every name up to ten, with a word for videos. */
function notPhotoList(paths: string[]): string {
  const shown = paths.slice(0, LISTED).join(', ') + (paths.length > LISTED ? `, and ${paths.length - LISTED} more` : '');
  const video = paths.find((p) => VIDEO_EXTENSIONS.has(extname(p).toLowerCase()));
  return (
    `${paths.length} file${paths.length === 1 ? '' : 's'} that ${paths.length === 1 ? 'is' : 'are'} not ${paths.length === 1 ? 'a photo' : 'photos'}: ${shown}` +
    (video ? ` (faceparse parses photos; for a video, extract its frames first, e.g. \`ffmpeg -i ${basename(video)} frames/%05d.png\`)` : '')
  );
}
