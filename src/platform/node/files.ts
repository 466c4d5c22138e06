/** Small Node file helpers shared by the hub, the model configs and the CLI. */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FaceParseError } from '../../base/errors.js';

/** `~` and `~/...` (or `~\...`) to the home folder, as shells and huggingface_hub do; other paths unchanged. */
export function expandHome(path: string): string {
  return path === '~' || /^~[\\/]/.test(path) ? join(homedir(), path.slice(1)) : path;
}

/**
 * A JSON file of a model folder. A missing file is MODEL_FILE_MISSING with `missing` as the message;
 * bad JSON is MODEL_INVALID naming the file.
 */
export async function readModelJson(path: string, what: string, missing: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FaceParseError('MODEL_FILE_MISSING', missing, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new FaceParseError('MODEL_INVALID', `${what} at ${path} is not valid JSON (${(error as Error).message}); re-download it or fix the file`, {
      cause: error,
    });
  }
}
