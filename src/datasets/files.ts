/** Folder listing and pairing by file stem, with errors that list every problem. */
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { FaceParseError } from '../base/errors.js';

import { hasImageExtension } from '../base/imageFiles.js';

export { IMAGE_EXTENSIONS } from '../base/imageFiles.js';

export function isImageFile(name: string): boolean {
  return hasImageExtension(name);
}

export function stemOf(name: string): string {
  return name.slice(0, name.length - extname(name).length);
}

/** "a, b, c and 12 more" */
export function listSome(items: readonly string[], max = 10): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** Plain files of `dir` that `accept` takes, by stem (sorted). Duplicate stems are an error. */
export async function listByStem(dir: string, accept: (name: string) => boolean, what: string): Promise<Map<string, string>> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new FaceParseError(
      'DATASET_INVALID',
      `${dir}: cannot list the ${what} folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check the path.`,
      { cause: error },
    );
  }
  const byStem = new Map<string, string>();
  const duplicates: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.') || !accept(entry.name)) continue;
    const stem = stemOf(entry.name);
    const before = byStem.get(stem);
    if (before !== undefined) duplicates.push(`${stem} (${before.slice(dir.length + 1)}, ${entry.name})`);
    else byStem.set(stem, join(dir, entry.name));
  }
  if (duplicates.length > 0) {
    throw new FaceParseError('DATASET_INVALID', `${dir}: several ${what} files share a name: ${listSome(duplicates)}. Keep one file per name.`);
  }
  return new Map([...byStem].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Pairs two stem maps; any stem on one side only is an error that lists them all. */
export function pairByStem(
  left: Map<string, string>,
  right: Map<string, string>,
  leftName: string,
  rightName: string,
): Array<{ id: string; left: string; right: string }> {
  const onlyLeft = [...left.keys()].filter((stem) => !right.has(stem));
  const onlyRight = [...right.keys()].filter((stem) => !left.has(stem));
  if (onlyLeft.length > 0 || onlyRight.length > 0) {
    const parts: string[] = [];
    if (onlyLeft.length > 0) parts.push(`${onlyLeft.length} ${leftName} without ${rightName}: ${listSome(onlyLeft)}`);
    if (onlyRight.length > 0) parts.push(`${onlyRight.length} ${rightName} without ${leftName}: ${listSome(onlyRight)}`);
    throw new FaceParseError(
      'DATASET_INVALID',
      `missing pairs (files are paired by name without extension): ${parts.join('; ')}. Add the missing files or remove the unpaired ones.`,
    );
  }
  if (left.size === 0) {
    throw new FaceParseError('DATASET_INVALID', `no ${leftName} found: the folder has no files of a supported type.`);
  }
  return [...left].map(([id, path]) => ({ id, left: path, right: right.get(id)! }));
}
