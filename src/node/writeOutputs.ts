/**
 * Writing a parsed photo's outputs into a folder. Each file is written to a temporary name beside
 * its final one and renamed into place, so a process killed mid-write never leaves half a PNG, and
 * a photo parsed again replaces its own outputs only.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ParseResult } from '../pipeline/result.js';
import { encodeOutputs, type EncodedOutput, type EncodeOutputsOptions } from '../outputs/encodeOutputs.js';
import type { OutputKind } from '../outputs/kinds.js';

export interface WriteOutputsOptions extends EncodeOutputsOptions {
  /** The output folder. */
  out: string;
  /** The photo's name without extension, relative to `out` (may hold sub-folders). */
  stem: string;
  kinds: readonly OutputKind[];
}

/** Writes one file atomically: a temporary file in the same folder, then a rename over the final name. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.faceparse-tmp`);
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The path each encoded output goes to. */
export function outputPath(out: string, stem: string, output: Pick<EncodedOutput, 'suffix'>): string {
  return join(out, stem) + output.suffix;
}

/** Encodes and writes the asked-for outputs of one result; returns the files written (in a stable order) and the encode time. */
export async function writeOutputs(result: ParseResult, options: WriteOutputsOptions): Promise<{ files: string[]; encodeMs: number }> {
  const base = join(options.out, options.stem);
  await mkdir(dirname(base), { recursive: true });
  const { outputs, encodeMs } = await encodeOutputs(result, options.kinds, options);
  if (outputs.some((o) => o.kind === 'masks')) await mkdir(`${base}.masks`, { recursive: true });
  const files = outputs.map((o) => outputPath(options.out, options.stem, o));
  await Promise.all(outputs.map((o, i) => writeFileAtomic(files[i]!, o.bytes)));
  return { files, encodeMs };
}
