/**
 * Where the queue lives: the Redis URL (`--redis` or FACEPARSE_REDIS_URL), passed to ioredis as it
 * is, so `redis://user:password@host:port/db` and TLS (`rediss://`) work as ioredis documents them;
 * a password may also come from FACEPARSE_REDIS_PASSWORD (kept out of process lists) and a CA
 * bundle for TLS from FACEPARSE_REDIS_CA (a PEM file). `--prefix` namespaces every key, so several
 * teams or test runs share one Redis.
 */
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { FaceParseError } from '../base/errors.js';

export const DEFAULT_PREFIX = 'faceparse';

export interface QueueTarget {
  url: string;
  prefix: string;
}

/** The Redis URL and key prefix from the flags, else the environment; a clear error when no URL is given. */
export function queueTarget(flags: { redis?: string; prefix?: string }, env: Record<string, string | undefined> = process.env): QueueTarget {
  const url = flags.redis ?? env.FACEPARSE_REDIS_URL;
  if (!url) throw new FaceParseError('INVALID_ARGUMENT', 'no Redis given: pass --redis redis://HOST:PORT (rediss:// for TLS) or set FACEPARSE_REDIS_URL');
  if (!/^rediss?:\/\//.test(url))
    throw new FaceParseError('INVALID_ARGUMENT', `--redis ${JSON.stringify(url)}: give a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379`);
  const prefix = flags.prefix ?? env.FACEPARSE_REDIS_PREFIX ?? DEFAULT_PREFIX;
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix))
    throw new FaceParseError('INVALID_ARGUMENT', `--prefix ${JSON.stringify(prefix)}: use letters, digits, '.', '_' and '-' only`);
  return { url, prefix };
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

export interface ConnectOptions {
  /**
   * 'service' (workers, `wait`): retry forever, so a Redis restart is ridden out; 'command'
   * (submit, status, ...): give up after a few seconds with a clear error instead of hanging.
   */
  role: 'service' | 'command';
  env?: Record<string, string | undefined>;
}

/** An ioredis client as BullMQ needs it (no per-request retry limit for blocking commands). */
export function connectRedis(target: QueueTarget, options: ConnectOptions): Redis {
  const env = options.env ?? process.env;
  const extra: RedisOptions = { maxRetriesPerRequest: null, enableAutoPipelining: true };
  if (env.FACEPARSE_REDIS_PASSWORD && !/\/\/[^@/]*:[^@/]+@/.test(target.url)) extra.password = env.FACEPARSE_REDIS_PASSWORD;
  if (env.FACEPARSE_REDIS_CA) {
    if (!target.url.startsWith('rediss://')) throw new FaceParseError('INVALID_ARGUMENT', 'FACEPARSE_REDIS_CA is set but the Redis URL is not rediss:// (TLS)');
    extra.tls = { ca: readFileSync(env.FACEPARSE_REDIS_CA) };
  }
  if (options.role === 'command') {
    extra.connectTimeout = 5000;
    // A few quick reconnects, then every pending command fails (and the command says why).
    extra.retryStrategy = (times) => (times > 5 ? null : Math.min(times * 200, 1000));
    extra.maxRetriesPerRequest = 3;
  } else {
    extra.retryStrategy = (times) => Math.min(times * 250, 5000);
  }
  const client = new Redis(target.url, extra);
  // Connection errors reach the commands that were waiting on them; without a listener ioredis
  // would also print each one as an unhandled 'error' event.
  client.on('error', () => undefined);
  return client;
}

/** Wraps a Redis failure of a command (unreachable, auth, ...) in a FaceParseError that names the server. */
export function redisError(target: QueueTarget, error: unknown): FaceParseError {
  if (error instanceof FaceParseError) return error;
  const message = (error as Error)?.message ?? String(error);
  return new FaceParseError('QUEUE_UNAVAILABLE', `Redis at ${safeUrl(target.url)}: ${message}; check --redis / FACEPARSE_REDIS_URL and that the server is up`, {
    cause: error,
  });
}
