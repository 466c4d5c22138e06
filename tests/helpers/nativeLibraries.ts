/**
 * Which native libraries a Node process has opened: the shared objects of onnxruntime and libvips
 * in /proc/<pid>/maps (Linux). Used to prove that commands and entries that need neither load neither.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const canReadMaps = existsSync('/proc/self/maps');

/** Preload that prints the matching shared objects on exit (after everything the command loaded). */
const REPORTER = `
import { readFileSync, writeSync } from 'node:fs';
process.on('exit', () => {
  const libs = [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5] ?? '').filter((p) => /onnxruntime|vips/.test(p)))];
  writeSync(2, '\\nNATIVE:' + JSON.stringify(libs) + '\\n');
});`;

export function nativeLibrariesOf(
  args: string[],
  options: { cwd?: string } = {},
): { libraries: string[]; status: number | null; stdout: string; stderr: string } {
  const preload = `data:text/javascript,${encodeURIComponent(REPORTER)}`;
  const run = spawnSync(process.execPath, ['--import', preload, ...args], {
    encoding: 'utf8',
    cwd: options.cwd ?? ROOT,
    timeout: 60_000,
    env: { ...process.env, CI: '1' },
  });
  const line = run.stderr.split('\n').find((l) => l.startsWith('NATIVE:'));
  return {
    libraries: line ? (JSON.parse(line.slice('NATIVE:'.length)) as string[]) : ['(no report: the process did not exit normally)'],
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
  };
}
