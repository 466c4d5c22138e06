/** The built `faceparse parse` command, run as a user runs it (needs `npm run build`, which `npm test` does). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FaceParser } from '../../src/node/faceParser.js';
import { decodeLabelPng } from '../../src/platform/node/render.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';

const BIN = resolve('dist/src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'faceparse-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function faceparse(args: string[], env: Record<string, string | undefined> = { CI: '1' }) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('faceparse parse', () => {
  it('exists (build first: npm run build)', () => {
    expect(existsSync(BIN)).toBe(true);
  });

  it('writes every output for good photos, reports bad ones, exits 1', async () => {
    const bad = join(tmp, 'bad');
    const out = join(tmp, 'out');
    rmSync(bad, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', bad]);
    writeFileSync(join(bad, 'empty.png'), '');
    writeFileSync(join(bad, 'text.jpg'), 'hello');
    const run = faceparse([
      'parse',
      join(GOLDEN_DIR, 'images/jpeg_q90.jpg'),
      join(GOLDEN_DIR, 'images/exact_png.png'),
      bad,
      join(tmp, 'missing.webp'),
      '--model',
      TINY_MODEL,
      '--variant',
      'fp32',
      '--out',
      out,
      '--outputs',
      'labels,color,overlay,masks,json,confidence',
      '--threads',
      '1',
      '--faces',
      'off',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read .*missing\.webp: no such file/);
    expect(run.stderr).toMatch(/empty\.png is empty/);
    expect(run.stderr).toMatch(/text\.jpg is not an image/);
    expect(run.stderr).toMatch(/parsed 2 of 5 inputs .*; 3 failed/);
    // Plain lines without a terminal: no bar, no carriage returns or escape codes.
    expect(run.stderr).not.toMatch(/[\r\u001b]/);
    for (const stem of ['jpeg_q90', 'exact_png']) {
      for (const suffix of ['.labels.png', '.color.png', '.overlay.png', '.json', '.confidence.png']) {
        expect(existsSync(join(out, stem + suffix)), stem + suffix).toBe(true);
      }
    }
    const confidence = await sharp(join(out, 'jpeg_q90.confidence.png')).metadata();
    expect(confidence.channels).toBe(1);
    // The label PNG holds the library's labels, the JSON its counts, the masks only present classes.
    const parser = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
    const expected = await parser.parse(join(GOLDEN_DIR, 'images/jpeg_q90.jpg'), { faces: 'off' });
    await parser.close();
    const labels = await decodeLabelPng(join(out, 'jpeg_q90.labels.png'));
    expect(labels.mask).toEqual(expected.categoryMask);
    const json = JSON.parse(readFileSync(join(out, 'jpeg_q90.json'), 'utf8'));
    expect(json.input).toContain('jpeg_q90.jpg');
    expect(json.classes.reduce((s: number, c: { pixels: number }) => s + c.pixels, 0)).toBe(expected.width * expected.height);
    expect(Object.keys(json.timings).sort()).toEqual(['decode', 'encode', 'inference', 'postprocess', 'preprocess']);
    const present = expected.summary().classes.filter((c) => c.pixels > 0).map((c) => `${c.label}.png`).sort();
    expect(readdirSync(join(out, 'jpeg_q90.masks')).sort()).toEqual(present);
  });

  it('exits 0 when everything parsed, and folders keep their sub-folders', () => {
    const out = join(tmp, 'out-ok');
    const run = faceparse(['parse', GOLDEN_DIR, '--model', TINY_MODEL, '--out', out, '--outputs', 'labels', '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/^ok /m); // --quiet
    expect(run.stderr).toMatch(/parsed 11 of 11 inputs/);
    expect(existsSync(join(out, 'images', 'jpeg_q90.labels.png'))).toBe(true);
  });

  it('shows a progress bar on a terminal only', () => {
    const out = join(tmp, 'out-tty');
    const args = ['parse', join(GOLDEN_DIR, 'images'), '--model', TINY_MODEL, '--out', out, '--outputs', 'labels'];
    const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    // `script` gives the command a pseudo-terminal.
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, CI: '' }, timeout: 120_000 });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/parsing .*\d+\/11/);
    const ci = faceparse(args, { CI: '1' });
    expect(ci.stderr).not.toMatch(/parsing .*\/11/);
    expect(ci.stderr.match(/^ok /gm)).toHaveLength(11);
  });

  it('bad options and a bad model give one clear error', () => {
    const outputs = faceparse(['parse', GOLDEN_DIR, '--model', TINY_MODEL, '--outputs', 'labels,selfie']);
    expect(outputs.code).toBe(1);
    expect(outputs.stderr).toMatch(/--outputs "labels,selfie": unknown selfie; choose from labels,color/);
    const model = faceparse(['parse', GOLDEN_DIR, '--model', join(tmp, 'no-model')]);
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(/^faceparse: error: .*no-model/m);
    expect(model.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    const alpha = faceparse(['parse', GOLDEN_DIR, '--model', TINY_MODEL, '--alpha', '2']);
    expect(alpha.stderr).toMatch(/--alpha must be a number from 0 to 1/);
  });

  it('--scales writes the labels of the multi-scale parse; a bad list is one clear error', async () => {
    const photo = join(GOLDEN_DIR, 'images/downscale_png.png');
    const out = join(tmp, 'scales');
    const run = faceparse(['parse', photo, '--model', TINY_MODEL, '--variant', 'fp32', '--out', out, '--outputs', 'labels', '--scales', '0.75,1,1.25', '--flip', '--faces', 'off']);
    expect(run.code).toBe(0);
    const written = await decodeLabelPng(join(out, 'downscale_png.labels.png'));
    const parser = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32' });
    const expected = (await parser.parse(photo, { flip: true, scales: [0.75, 1, 1.25], faces: 'off' })).categoryMask;
    const single = (await parser.parse(photo, { flip: true, faces: 'off' })).categoryMask;
    await parser.close();
    expect(written.mask).toEqual(expected);
    expect(written.mask).not.toEqual(single);
    const bad = faceparse(['parse', photo, '--model', TINY_MODEL, '--out', out, '--scales', '0.5,2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--scales "0\.5,2": 1 is missing; give multiples of the model input size that include 1/);
  });
});
