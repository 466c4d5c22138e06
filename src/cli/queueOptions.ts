/** Options shared by `faceparse queue ...` and `faceparse worker`: where the queue is, and number checks. */
import type { Command } from 'commander';
import { FaceParseError } from '../base/errors.js';

export interface QueueFlags {
  redis?: string;
  prefix?: string;
}

export function addQueueOptions(command: Command): Command {
  return command
    .option(
      '--redis <url>',
      'Redis URL: redis://[user:password@]host:port[/db], rediss:// for TLS (default: FACEPARSE_REDIS_URL; password also from FACEPARSE_REDIS_PASSWORD, TLS CA file from FACEPARSE_REDIS_CA)',
    )
    .option('--prefix <name>', 'key prefix in Redis, to share one Redis among separate queues (default: FACEPARSE_REDIS_PREFIX or faceparse)');
}

export function wholeNumber(value: string | undefined, flag: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value)))
    throw new FaceParseError('INVALID_ARGUMENT', `${flag} must be a whole number from ${min} to ${Number.MAX_SAFE_INTEGER}, got "${value}"`);
  return Number(value);
}

export function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new FaceParseError('INVALID_ARGUMENT', `${flag} must be a number of seconds > 0, got "${value}"`);
  return n;
}

/** A timestamped line for long-running processes (workers): logs from many machines sort and merge. */
export function logLine(stream: NodeJS.WritableStream): (line: string) => void {
  return (line) => void stream.write(`${new Date().toISOString()} ${line}\n`);
}
