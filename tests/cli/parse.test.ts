/** The built `faceparse parse` command, run as a user runs it (needs `npm run build`, which `npm test` does). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FaceParser } from '../../src/node/faceParser.js';
import { decodeLabelPng } from '../../src/platform/node/render.js';
import { blocks, encodeBmp } from '../helpers/bmp.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';
import { screenOf } from '../helpers/terminal.js';

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
    const present = expected
      .summary()
      .classes.filter((c) => c.pixels > 0)
      .map((c) => `${c.label}.png`)
      .sort();
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
    // What stays on the terminal: each photo's line (the bar drew below them and is cleared), then the summary.
    const screen = screenOf(tty.stdout);
    expect(screen.filter((l) => /^ok .* \((whole photo|no face found: all background|\d+ faces?), \d+ ms\)$/.test(l))).toHaveLength(11);
    expect(screen.at(-1)).toMatch(/^parsed 11 of 11 inputs/);
    expect(screen.some((l) => l.startsWith('parsing '))).toBe(false);
    const ci = faceparse(args, { CI: '1' });
    expect(ci.stderr).not.toMatch(/parsing .*\/11/);
    expect(ci.stderr.match(/^ok /gm)).toHaveLength(11);
  });

  it('bad options and a bad model give one clear error', () => {
    const outputs = faceparse(['parse', GOLDEN_DIR, '--model', TINY_MODEL, '--outputs', 'labels,selfie']);
    expect(outputs.code).toBe(1);
    expect(outputs.stderr).toMatch(/--outputs: expected a comma list of 1 or more of labels, color, .*, got 'labels,selfie' \(unknown "selfie"\)/);
    const model = faceparse(['parse', GOLDEN_DIR, '--model', join(tmp, 'no-model')]);
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(/^faceparse: error: .*no-model/m);
    expect(model.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    const alpha = faceparse(['parse', GOLDEN_DIR, '--model', TINY_MODEL, '--alpha', '2']);
    expect(alpha.stderr).toMatch(/--alpha: expected a number from 0 to 1, got '2'/);
  });

  it('names the files of a folder that are not photos in one line, and parses BMPs', () => {
    const dir = join(tmp, 'mixed');
    const out = join(tmp, 'out-mixed');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'photo.jpg'), readFileSync(join(GOLDEN_DIR, 'images/jpeg_q90.jpg')));
    writeFileSync(join(dir, 'clip.mp4'), Buffer.from('\0\0\0\x18ftypmp42not really a video'));
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    writeFileSync(join(dir, 'still.bmp'), encodeBmp(blocks(40, 30, 50), { bits: 24 }));
    writeFileSync(join(dir, '.hidden.mov'), 'x'); // hidden files are left out silently, as a glob would
    const run = faceparse(['parse', dir, '--model', TINY_MODEL, '--out', out, '--outputs', 'labels', '--faces', 'off']);
    expect(run.code, run.stderr).toBe(0);
    const skipped = run.stderr.split('\n').filter((l) => l.includes('clip.mp4'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(
      /^note: skipped 2 files that are not photos: .*clip\.mp4, .*notes\.txt \(faceparse parses photos; for a video, extract its frames first/,
    );
    expect(run.stderr).not.toContain('.hidden.mov');
    expect(run.stderr).toMatch(/^parsed 2 of 2 inputs .*; 2 files that are not photos skipped -> /m);
    expect(existsSync(join(out, 'photo.labels.png'))).toBe(true);
    expect(existsSync(join(out, 'still.labels.png'))).toBe(true);

    // A folder of a BMP and a video: the BMP is parsed, the video named.
    const bmpDir = join(tmp, 'bmp-and-video');
    spawnSync('mkdir', ['-p', bmpDir]);
    writeFileSync(join(bmpDir, 'a.bmp'), encodeBmp(blocks(40, 30, 16), { bits: 4 }));
    writeFileSync(join(bmpDir, 'b.mp4'), 'not a photo');
    const both = faceparse(['parse', bmpDir, '--model', TINY_MODEL, '--out', join(tmp, 'out-bmp'), '--outputs', 'labels', '--faces', 'off']);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toMatch(/^note: skipped 1 file that is not a photo: .*b\.mp4/m);
    expect(both.stderr).toMatch(/^parsed 1 of 1 input /m);

    // Only a video: an error that says what the folder holds, and no empty output folder is left.
    const videoDir = join(tmp, 'video-only');
    spawnSync('mkdir', ['-p', videoDir]);
    writeFileSync(join(videoDir, 'b.mp4'), 'not a photo');
    const none = faceparse(['parse', videoDir, '--model', TINY_MODEL, '--out', join(tmp, 'out-none', 'deeper')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/error: folder .*video-only has no photos \(\.jpg .*\.bmp\); it holds 1 file that is not a photo: .*b\.mp4/);
    expect(existsSync(join(tmp, 'out-none'))).toBe(false);
  });

  it('leaves no empty output folder when nothing was parsed, and keeps a folder that was already there', () => {
    const photo = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
    const fresh = join(tmp, 'fresh-out');
    const badModel = faceparse(['parse', photo, '--model', join(tmp, 'no-such-model'), '--out', fresh]);
    expect(badModel.code).toBe(1);
    expect(existsSync(fresh)).toBe(false);
    const broken = join(tmp, 'broken.png');
    writeFileSync(broken, 'not a png');
    const allFailed = faceparse(['parse', broken, '--model', TINY_MODEL, '--out', fresh]);
    expect(allFailed.code).toBe(1);
    expect(allFailed.stderr).toMatch(/^parsed 0 of 1 input .*; 1 failed$/m);
    expect(existsSync(fresh)).toBe(false);
    const existing = join(tmp, 'existing-out');
    spawnSync('mkdir', ['-p', existing]);
    faceparse(['parse', broken, '--model', TINY_MODEL, '--out', existing]);
    expect(existsSync(existing)).toBe(true);
  });

  it('a mistyped model folder names the folder, also when it reads like a hub id (offline: no request)', () => {
    const models = join(tmp, 'cwd-models');
    spawnSync('mkdir', ['-p', join(models, 'models', 'face-parsing-mini')]);
    for (const source of ['models/face-parsing-min', './models/face-parsing-min']) {
      const result = spawnSync(process.execPath, [BIN, 'parse', GOLDEN_DIR, '--model', source, '--out', join(tmp, 'never')], {
        cwd: models,
        encoding: 'utf8',
        env: { ...process.env, CI: '1', HF_HUB_OFFLINE: '1', HF_HUB_CACHE: join(tmp, 'empty-cache') },
        timeout: 60_000,
      });
      expect(result.status, source).toBe(1);
      expect(result.stderr).toMatch(/^faceparse: error: model folder .*face-parsing-min does not exist/m);
      expect(result.stderr).toContain(join(models, 'models', 'face-parsing-min'));
      expect(result.stderr).toContain('holds: face-parsing-mini');
      expect(result.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
      if (!source.startsWith('.')) expect(result.stderr).toContain('tried as a hub id, it failed too');
      expect(existsSync(join(tmp, 'never'))).toBe(false);
    }
  });

  it('--scales writes the labels of the multi-scale parse; a bad list is one clear error', async () => {
    const photo = join(GOLDEN_DIR, 'images/downscale_png.png');
    const out = join(tmp, 'scales');
    const run = faceparse([
      'parse',
      photo,
      '--model',
      TINY_MODEL,
      '--variant',
      'fp32',
      '--out',
      out,
      '--outputs',
      'labels',
      '--scales',
      '0.75,1,1.25',
      '--flip',
      '--faces',
      'off',
    ]);
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
    expect(bad.stderr).toMatch(
      /--scales: expected a comma list of 1 to 8 numbers from 0\.25 to 4, got '0\.5,2' \(1 is missing: include 1 \(the model's own size\)/,
    );
  });
});
