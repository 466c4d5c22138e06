/**
 * What a worker lets a job touch. A job is data anyone who can write to the Redis queue can add,
 * so the worker trusts none of it:
 *
 * - roots (`--allow-root`, `FACEPARSE_ALLOW_ROOTS`): the input must be a file under a root and the
 *   output folder must be under a root, both compared by real path (links resolved), so a link
 *   inside a root cannot lead out of it; a job outside is failed with a message naming the roots;
 * - no job writes over its own input, and none replaces an existing file unless a worker wrote it:
 *   the workers record the SHA-256 of every output they write (in Redis, `<prefix>:outputs`), and
 *   a file at an output's path is replaced only when its bytes hash to the recorded value, which
 *   is what a re-run of a job (a retry, a re-submitted batch) finds; one who can write to Redis but
 *   not read the file cannot forge that;
 * - signatures (`--job-secret`, `FACEPARSE_JOB_SECRET`): with a shared secret, `queue submit` signs
 *   each job (HMAC-SHA256 of its data) and the worker refuses jobs without a valid signature, so
 *   writing to Redis is no longer enough to make a worker read or write anything.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FaceParseError } from '../base/errors.js';
import type { ParseJobData } from './jobSchema.js';

/** The roots as real paths, checked: each must be an existing folder. */
export async function resolveRoots(roots: readonly string[]): Promise<string[]> {
  const real: string[] = [];
  for (const root of roots) {
    if (root.trim() === '') continue;
    let path: string;
    try {
      path = await realpath(resolve(root));
    } catch {
      throw new FaceParseError('INVALID_ARGUMENT', `--allow-root ${root} does not exist; give folders the worker may read photos from and write outputs to`);
    }
    if (!(await stat(path)).isDirectory()) throw new FaceParseError('INVALID_ARGUMENT', `--allow-root ${root} is a file, not a folder`);
    real.push(path);
  }
  return [...new Set(real)];
}

/** Roots from FACEPARSE_ALLOW_ROOTS: colon-separated, as PATH is. */
export function rootsFromEnv(value: string | undefined): string[] {
  return (value ?? '').split(':').filter((p) => p.trim() !== '');
}

const inside = (path: string, root: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** The real path of `path`, or of its longest existing parent with the rest appended. */
async function realOrResolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return join(await realOrResolved(parent), relative(parent, path));
  }
}

/** A job the worker must not run: failed at once, never retried. */
export class JobRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobRefused';
  }
}

const rootsText = (roots: readonly string[]) => (roots.length === 1 ? `the allowed root ${roots[0]}` : `the allowed roots ${roots.join(', ')}`);

/**
 * Checks the job's paths against the roots (none: every path allowed). Returns the input's real
 * path, which the worker then reads (so the file checked is the file parsed).
 */
export async function checkJobPaths(data: ParseJobData, roots: readonly string[]): Promise<{ input: string; out: string }> {
  if (!isAbsolute(data.input) || !isAbsolute(data.out)) throw new JobRefused("the job's input and out must be absolute paths");
  let input: string;
  try {
    input = await realpath(data.input);
  } catch {
    input = data.input; // missing: the parser reports it as the CLI does (when it is inside a root)
  }
  const out = await realOrResolved(data.out);
  if (roots.length > 0) {
    if (!roots.some((root) => inside(input, root))) {
      throw new JobRefused(
        `refusing to read ${data.input}${input !== data.input ? ` (${input})` : ''}: it is outside ${rootsText(roots)} of this worker (--allow-root)`,
      );
    }
    if (!roots.some((root) => inside(out, root))) {
      throw new JobRefused(
        `refusing to write to ${data.out}${out !== data.out ? ` (${out})` : ''}: it is outside ${rootsText(roots)} of this worker (--allow-root)`,
      );
    }
    const outputs = await realOrResolved(dirname(join(data.out, data.stem)));
    if (!roots.some((root) => inside(outputs, root))) {
      throw new JobRefused(
        `refusing to write to ${dirname(join(data.out, data.stem))} (${outputs}): it is outside ${rootsText(roots)} of this worker (--allow-root)`,
      );
    }
  }
  return { input, out: data.out };
}

/** Where the workers record what they wrote: output real path -> SHA-256 of its bytes. */
export interface OutputRecords {
  get(paths: readonly string[]): Promise<Array<string | null>>;
  set(entries: ReadonlyArray<[path: string, sha256: string]>): Promise<void>;
}

/** The records in a Redis hash `<prefix>:outputs`. */
export function redisOutputRecords(
  redis: { hmget(key: string, ...fields: string[]): Promise<Array<string | null>>; hset(key: string, data: Record<string, string>): Promise<number> },
  prefix: string,
): OutputRecords {
  const key = `${prefix}:outputs`;
  return {
    get: (paths) => (paths.length === 0 ? Promise.resolve([]) : redis.hmget(key, ...paths)),
    set: async (entries) => {
      if (entries.length > 0) await redis.hset(key, Object.fromEntries(entries));
    },
  };
}

/** Records kept in this process only (a worker without Redis records, the tests). */
export function memoryOutputRecords(): OutputRecords {
  const map = new Map<string, string>();
  return {
    get: async (paths) => paths.map((p) => map.get(p) ?? null),
    set: async (entries) => {
      for (const [path, hash] of entries) map.set(path, hash);
    },
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Refuses to write over the job's input, or over an existing file unless the workers recorded
 * writing exactly that file (its SHA-256 as recorded): a re-run's own output. The records hold
 * hashes of what was written, so someone who can write to Redis but cannot read the file cannot
 * forge one for it. For writeOutputs' `checkTargets`. The hashes of the files about to be written
 * are recorded before they are written, so a worker killed between the two leaves a record its
 * re-run can match.
 */
export function ownOutputsOnly(input: string, records: OutputRecords) {
  return {
    checkTargets: async (targets: ReadonlyArray<{ path: string; bytes: Uint8Array }>) => {
      const reals = await Promise.all(targets.map((t) => realOrResolved(t.path)));
      const recorded = await records.get(reals);
      for (let i = 0; i < targets.length; i++) {
        const { path } = targets[i]!;
        if (reals[i] === input) throw new JobRefused(`refusing to write ${path}: it is this job's input`);
        const info = await lstat(path).catch(() => undefined);
        if (!info) continue;
        if (!info.isFile()) throw new JobRefused(`refusing to write ${path}: something that is not a regular file is there`);
        if (recorded[i] == null || recorded[i] !== (await fileSha256(path))) {
          throw new JobRefused(`refusing to write ${path}: a file is there that no faceparse worker wrote; move it away or submit to another --out`);
        }
      }
      await records.set(targets.map((t, i) => [reals[i]!, sha256(t.bytes)]));
    },
  };
}

/** The data a signature covers: the job without its signature, keys sorted (stable whatever the JSON order). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => k !== 'signature' && (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** HMAC-SHA256 of the job's data (hex). */
export function signJob(data: Omit<ParseJobData, 'signature'>, secret: string): string {
  return createHmac('sha256', secret).update(canonical(data)).digest('hex');
}

/** Throws JobRefused unless the job carries a valid signature for this secret. */
export function checkSignature(data: ParseJobData, secret: string): void {
  if (typeof data.signature !== 'string')
    throw new JobRefused(
      'the job is not signed, and this worker takes signed jobs only (--job-secret): submit it with faceparse queue submit and the same secret',
    );
  const expected = Buffer.from(signJob(data, secret), 'hex');
  const given = Buffer.from(data.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new JobRefused(
      "the job's signature is not valid for this worker's --job-secret: it was changed after it was submitted, or signed with another secret",
    );
}
