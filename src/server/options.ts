/** Options of the HTTP service (`createServer`, `faceparse serve`), each with its default, and their checks. */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FaceParseError } from '../base/errors.js';
import { checkOption } from '../options/checkOption.js';
import type { FaceParser } from '../pipeline/faceParser.js';
import type { FaceParserOptions } from '../pipeline/options.js';

export interface ServerOptions {
  /**
   * The parser options (model, variant, threads, maxInputPixels, ...) of the FaceParser the server
   * creates and closes. Default maxInputPixels here: SERVICE_MAX_INPUT_PIXELS (src/options: a 40 MP
   * photo), below the library's 100 MP, because a service holds several photos at once. The service
   * reads the limit back from the parser, so a `faceParser` of the caller's brings its own.
   */
  parser?: FaceParserOptions;
  /** A FaceParser made by the caller, used instead of `parser` options; the caller closes it. */
  faceParser?: FaceParser;
  /** Largest request body in bytes (raw image or multipart). Default 20 MB (20 * 1024 * 1024). */
  maxBodyBytes?: number;
  /** Parses at once. Default: the number of cores (os.availableParallelism()). */
  concurrency?: number;
  /** Requests that may wait for a parse slot; beyond, 503 with Retry-After at once. Default 2 x concurrency. */
  maxQueue?: number;
  /**
   * Pixels the parses running at once may hold together (read from each photo's header before it
   * is decoded): a parse's memory grows with its pixels (about 15 bytes each with every buffer and
   * encoder, see the README's limits), so this bounds the service's memory whatever its core count.
   * One photo alone may always run. Default 40 000 000.
   */
  maxPixelsInFlight?: number;
  /** Per-request deadline in ms, from arrival to answer (queue wait included): past it, 504. Default 30 000. */
  timeoutMs?: number;
  /** API keys; when non-empty, every route but the probes, docs and web app needs `Authorization: Bearer <key>` or `X-API-Key: <key>`. Default: none (open). */
  apiKeys?: readonly string[];
  /** Origins allowed by CORS: a list, or '*' for any. Default: CORS off (no CORS headers at all). */
  corsOrigins?: readonly string[] | '*';
  /** Folder of the web app served at `/` (index.html ...). Default: the package's dist/app; absent -> 404 JSON. */
  appDir?: string;
  /** Log level of the structured JSON logs (pino): fatal, error, warn, info, debug, trace, silent. Default 'info'. */
  logLevel?: string;
  /** Where the logs go. Default: stderr (stdout carries the ready line of `faceparse serve`). */
  logStream?: NodeJS.WritableStream;
}

export const SERVER_DEFAULTS = {
  maxBodyBytes: 20 * 1024 * 1024,
  maxPixelsInFlight: 40_000_000,
  timeoutMs: 30_000,
  logLevel: 'info',
} as const;

export interface ResolvedServerOptions {
  maxBodyBytes: number;
  concurrency: number;
  maxQueue: number;
  maxPixelsInFlight: number;
  timeoutMs: number;
  apiKeys: readonly string[];
  corsOrigins: readonly string[] | '*' | undefined;
  appDir: string;
  logLevel: string;
}

/** The service's counts (src/options/checkOption.ts: one message shape with the rest). */
const count = (min: number) => z.number().int().min(min);

export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  const concurrency = checkOption(count(1), options.concurrency ?? availableParallelism(), 'concurrency');
  const keys = options.apiKeys ?? [];
  if (keys.some((k) => k.trim() === '' || /\s/.test(k)))
    throw new FaceParseError('INVALID_ARGUMENT', 'an API key is empty or contains whitespace; give keys without spaces');
  return {
    maxBodyBytes: checkOption(count(1), options.maxBodyBytes ?? SERVER_DEFAULTS.maxBodyBytes, 'maxBodyBytes'),
    concurrency,
    maxQueue: checkOption(count(0), options.maxQueue ?? 2 * concurrency, 'maxQueue'),
    maxPixelsInFlight: checkOption(count(1), options.maxPixelsInFlight ?? SERVER_DEFAULTS.maxPixelsInFlight, 'maxPixelsInFlight'),
    timeoutMs: checkOption(count(1), options.timeoutMs ?? SERVER_DEFAULTS.timeoutMs, 'timeoutMs'),
    apiKeys: keys,
    corsOrigins: options.corsOrigins,
    appDir: options.appDir ?? defaultAppDir(),
    logLevel: options.logLevel ?? SERVER_DEFAULTS.logLevel,
  };
}

/** The faceparse package folder, found from this file in src/server or dist/src/server; undefined when bundled elsewhere. */
export function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'faceparse') return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** The package's dist/app: where the browser build writes the web app. */
export function defaultAppDir(): string {
  return join(packageRoot() ?? process.cwd(), 'dist', 'app');
}

export function packageVersion(): string {
  const root = packageRoot();
  return root ? (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version : '0.0.0';
}

/** API keys from a file: one per line; blank lines and lines starting with # are skipped. */
export function readApiKeyFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FaceParseError('INVALID_ARGUMENT', `cannot read the API key file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const keys = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (keys.length === 0) throw new FaceParseError('INVALID_ARGUMENT', `the API key file ${path} has no keys; put one key per line`);
  return keys;
}
