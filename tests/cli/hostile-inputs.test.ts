/**
 * `faceparse parse` and `eval` given inputs and output folders that would hang it, flood its
 * memory or lose data: FIFOs and devices named like photos, broken links and link loops, --out on
 * the input folder, inside it, on a file or where nothing can be written. Each case must end with
 * exit code 1, one clear error line per problem and no stack trace, the other inputs finishing.
 * Runs the built command (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readRegularFile } from '../../src/platform/node/regularFile.js';
import { decodeImage } from '../../src/platform/node/decode.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';

const BIN = resolve('dist/src/cli/main.js');
const root = mkdtempSync(join(tmpdir(), 'faceparse-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const PHOTO = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
const OTHER_PHOTO = join(GOLDEN_DIR, 'images/exact_png.png');

let dir: string;
let n = 0;
beforeEach(() => {
  dir = join(root, `case${n++}`);
  mkdirSync(dir, { recursive: true });
});

function faceparse(args: string[]) {
  // A hang would show as the spawn timeout (status null), failing the exit-code check.
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const parse = (inputs: string[], out: string, extra: string[] = []) =>
  faceparse(['parse', ...inputs, '--model', TINY_MODEL, '--out', out, '--outputs', 'labels,json', '--threads', '1', ...extra]);

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/unexpected error/);
  expect(stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
}

function mkfifo(path: string): void {
  const made = spawnSync('mkfifo', [path]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
}

describe('inputs that are not regular files', () => {
  it('refuses a link to /dev/zero, a FIFO and /dev/null named like photos at once; the photo beside them is parsed', () => {
    copyFileSync(PHOTO, join(dir, 'good.jpg'));
    symlinkSync('/dev/zero', join(dir, 'zero.jpg'));
    symlinkSync('/dev/null', join(dir, 'null.png'));
    mkfifo(join(dir, 'pipe.jpg'));
    const out = join(root, `${dir}-out`);
    const run = parse([dir], out);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*zero\.jpg is a character device, not a regular file/m);
    expect(run.stderr).toMatch(/^error: .*null\.png is a character device/m);
    expect(run.stderr).toMatch(/^error: .*pipe\.jpg is a FIFO \(named pipe\), not a regular file/m);
    expect(run.stderr).toMatch(/parsed 1 of 4 inputs .*; 3 failed/);
    expect(existsSync(join(out, 'good.labels.png'))).toBe(true);
    noStack(run.stderr);
  });

  it('refuses a FIFO and a device named on the command line, before the others', () => {
    mkfifo(join(dir, 'pipe.jpg'));
    const run = parse([join(dir, 'pipe.jpg'), '/dev/zero', PHOTO], join(dir, 'out'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*pipe\.jpg is a FIFO/m);
    expect(run.stderr).toMatch(/^error: \/dev\/zero is a character device/m);
    expect(run.stderr).toMatch(/parsed 1 of 3 inputs/);
    noStack(run.stderr);
  });

  it('the library refuses a FIFO and a device without blocking, and caps the bytes it reads', async () => {
    mkfifo(join(dir, 'pipe.jpg'));
    await expect(decodeImage(join(dir, 'pipe.jpg'))).rejects.toMatchObject({ code: 'INPUT_UNREADABLE', message: expect.stringMatching(/is a FIFO/) });
    await expect(decodeImage('/dev/zero')).rejects.toMatchObject({ code: 'INPUT_UNREADABLE', message: expect.stringMatching(/character device/) });
    writeFileSync(join(dir, 'big.png'), Buffer.alloc(5000));
    await expect(readRegularFile(join(dir, 'big.png'), 4096)).rejects.toMatchObject({
      code: 'INPUT_TOO_LARGE',
      message: expect.stringMatching(/5,000 bytes, over the limit of 4,096/),
    });
    expect((await readRegularFile(join(dir, 'big.png'), 5000)).length).toBe(5000);
  });

  it('refuses a file over the 1 GiB input cap before reading it (a sparse 3 GB file named .png)', () => {
    const made = spawnSync('truncate', ['-s', '3G', join(dir, 'huge.png')]);
    expect(made.status).toBe(0);
    copyFileSync(PHOTO, join(dir, 'good.jpg'));
    const run = parse([dir], join(root, `${dir}-out`));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*huge\.png is 3,221,225,472 bytes, over the limit of 1,073,741,824 bytes for one input/m);
    expect(run.stderr).toMatch(/parsed 1 of 2 inputs/);
    noStack(run.stderr);
  });

  it('reports a broken link named like a photo, and parses a photo under a link loop once', () => {
    copyFileSync(PHOTO, join(dir, 'a.jpg'));
    symlinkSync(join(dir, 'gone.jpg'), join(dir, 'broken.jpg'));
    mkdirSync(join(dir, 'sub'));
    symlinkSync('..', join(dir, 'sub', 'loop'));
    symlinkSync(join(dir, 'a.jpg'), join(dir, 'sub', 'same.jpg'));
    const run = parse([dir], join(root, `${dir}-out`));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*broken\.jpg is a broken symbolic link \(its target .*gone\.jpg does not exist\)/m);
    expect(run.stderr.match(/^ok /gm)).toHaveLength(1);
    expect(run.stderr).toMatch(/parsed 1 of 2 inputs/);
    noStack(run.stderr);
  });
});

describe('outputs never land on inputs', () => {
  it('`parse d --out d` does not overwrite a photo named a.labels.png; that photo is still parsed', () => {
    copyFileSync(PHOTO, join(dir, 'a.jpg'));
    copyFileSync(OTHER_PHOTO, join(dir, 'a.labels.png'));
    const run = parse([dir], dir);
    expect(run.code).toBe(1);
    expect(readFileSync(join(dir, 'a.labels.png')).equals(readFileSync(OTHER_PHOTO))).toBe(true);
    expect(run.stderr).toMatch(/^error: not parsing .*a\.jpg: its output .*a\.labels\.png would overwrite the input .*a\.labels\.png/m);
    expect(run.stderr).toMatch(/^ok .*a\.labels\.png/m);
    expect(existsSync(join(dir, 'a.labels.labels.png'))).toBe(true);
    noStack(run.stderr);
  });

  it('`--out p/parsed` inside the input folder p: the next run does not parse its own outputs', () => {
    copyFileSync(PHOTO, join(dir, 'a.jpg'));
    copyFileSync(OTHER_PHOTO, join(dir, 'b.png'));
    const out = join(dir, 'parsed');
    const first = parse([dir], out);
    expect(first.code, first.stderr).toBe(0);
    const second = parse([dir], out);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/parsed 2 of 2 inputs/);
    expect(second.stderr).toMatch(/^note: skipping .*parsed: it is the --out folder/m);
    expect(readdirSync(out).sort()).toEqual(['a.json', 'a.labels.png', 'b.json', 'b.labels.png']);
  });

  it('replaces an output that is a link instead of writing through it (atomic writes)', () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep me');
    const out = join(dir, 'out');
    mkdirSync(out);
    symlinkSync(victim, join(out, 'jpeg_q90.labels.png'));
    const run = parse([PHOTO], out);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(lstatSync(join(out, 'jpeg_q90.labels.png')).isFile()).toBe(true);
    expect(readdirSync(out).filter((f) => f.endsWith('tmp'))).toEqual([]);
  });
});

describe('an output folder that cannot be used', () => {
  it('--out on a file: one error line, before the model loads', () => {
    writeFileSync(join(dir, 'file'), 'x');
    // The model does not exist: the --out error must come first.
    const run = faceparse(['parse', PHOTO, '--model', join(dir, 'no-model'), '--out', join(dir, 'file')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`faceparse: error: --out ${join(dir, 'file')} is a file, not a folder; pass a folder for the outputs (it is created if missing)\n`);
  });

  it('--out that cannot be created: one error line, before the model loads', () => {
    writeFileSync(join(dir, 'file'), 'x');
    const run = faceparse(['parse', PHOTO, '--model', join(dir, 'no-model'), '--out', join(dir, 'file', 'sub')]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^faceparse: error: cannot create the output folder --out .*file\/sub: a part of the path is a file, not a folder/);
  });

  it('eval --report on a file: one error line before any scoring', () => {
    writeFileSync(join(dir, 'report'), 'x');
    const run = faceparse(['eval', '--pred', join(dir, 'nothing'), '--gt', join(dir, 'nothing'), '--report', join(dir, 'report')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^faceparse: error: --report .*report is a file, not a folder/);
    noStack(run.stderr);
  });

  it('--threads above the core count: capped with a warning, and the run finishes', () => {
    const run = parse([PHOTO], join(dir, 'out'), ['--threads', '99999']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^warning: --threads 99999 is more than the \d+ cores? of this machine; using \d+$/m);
  });
});
