/** The shared secret of signed queue jobs (`--job-secret-file` or FACEPARSE_JOB_SECRET), for `queue submit` and `worker`. */
import { readFileSync } from 'node:fs';
import { FaceParseError } from '../base/errors.js';

/** The secret from the file (first line) or else the environment; undefined when neither is set. */
export function readJobSecret(file: string | undefined, env: string | undefined): string | undefined {
  let secret = env;
  if (file !== undefined) {
    try {
      secret = readFileSync(file, 'utf8').split(/\r?\n/)[0];
    } catch (error) {
      throw new FaceParseError('INVALID_ARGUMENT', `cannot read the job secret file ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (secret === undefined) return undefined;
  secret = secret.trim();
  if (secret.length < 16)
    throw new FaceParseError('INVALID_ARGUMENT', 'the job secret is shorter than 16 characters; use a long random one (e.g. openssl rand -hex 32)');
  return secret;
}
