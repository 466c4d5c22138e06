/** Options shared by `faceparse queue ...` and `faceparse worker`: where the queue is, and the schemas of their counts. */
import type { Command } from 'commander';
import { z } from 'zod';

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

/** Counts and durations of the queue and worker flags, checked by the one text parser (src/options/checkOption.ts). */
export const countFlag = (min: number) => z.number().int().min(min);
/** Seconds: a number > 0. */
export const secondsFlag = z.number().positive();

/** A timestamped line for long-running processes (workers): logs from many machines sort and merge. */
export function logLine(stream: NodeJS.WritableStream): (line: string) => void {
  return (line) => void stream.write(`${new Date().toISOString()} ${line}\n`);
}
