/** Expanding CLI inputs (files, folders recursively, globs) into image files with output stems. */
import { stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

import { IMAGE_EXTENSIONS } from '../base/imageFiles.js';

export { IMAGE_EXTENSIONS };

export interface InputFile {
  path: string;
  /** Output name without extension, relative to --out (keeps sub-folders of folder inputs). */
  stem: string;
}

export interface ExpandedInputs {
  files: InputFile[];
  /** Inputs that matched nothing, with why. */
  problems: Array<{ input: string; message: string }>;
}

const imageGlob = `**/*.{${IMAGE_EXTENSIONS.map((e) => e.slice(1)).join(',')}}`;

function stemOf(path: string): string {
  return basename(path, extname(path));
}

export async function expandInputs(inputs: readonly string[]): Promise<ExpandedInputs> {
  const files: InputFile[] = [];
  const problems: ExpandedInputs['problems'] = [];
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      info = undefined;
    }
    if (info?.isDirectory()) {
      const found = (await glob(imageGlob, { cwd: input, caseSensitiveMatch: false, absolute: false, dot: false })).sort();
      if (found.length === 0) problems.push({ input, message: `folder ${input} has no images (${IMAGE_EXTENSIONS.join(' ')})` });
      for (const rel of found) files.push({ path: join(input, rel), stem: join(relative('.', join(rel, '..')), stemOf(rel)) });
    } else if (info) {
      files.push({ path: input, stem: stemOf(input) });
    } else if (isDynamicPattern(input)) {
      const found = (await glob(input, { caseSensitiveMatch: false, onlyFiles: true })).sort();
      if (found.length === 0) problems.push({ input, message: `no files match ${input}` });
      for (const path of found) files.push({ path, stem: stemOf(path) });
    } else {
      problems.push({ input, message: `cannot read ${input}: no such file or folder` });
    }
  }
  // The same photo named twice is parsed once; two photos that would write the same outputs are refused.
  const byStem = new Map<string, InputFile>();
  const unique: InputFile[] = [];
  for (const file of files) {
    const other = byStem.get(file.stem);
    if (!other) {
      byStem.set(file.stem, file);
      unique.push(file);
    } else if (resolve(other.path) !== resolve(file.path)) {
      problems.push({ input: file.path, message: `${file.path} would overwrite the outputs of ${other.path} (both are named ${file.stem}); parse them into different --out folders` });
    }
  }
  return { files: unique, problems };
}
