/** Where a command writes: results to stdout, progress and notes to stderr, and the environment it reads (CI). Tests pass their own. */
import type { ProgressIO } from './progress.js';

export interface CommandIO extends ProgressIO {
  /** Where results go (default: process.stdout). */
  stdout: (text: string) => void;
}

export function processIO(): CommandIO {
  return { stdout: (text) => void process.stdout.write(text), stderr: process.stderr, env: process.env };
}
