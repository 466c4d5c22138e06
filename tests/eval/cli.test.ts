import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerEvalCommand, runEval, type EvalCommandOptions } from '../../src/cli/eval.js';
import type { CommandIO } from '../../src/cli/io.js';
import { FaceParseError } from '../../src/base/errors.js';
import { BISENET_LABELS } from '../../src/datasets/labelSets.js';
import { FaceParser } from '../../src/node/faceParser.js';
import { readLabelMap } from '../../src/datasets/readLabelMap.js';
import { ConfusionMatrix } from '../../src/metrics/confusionMatrix.js';
import { errorOf, rectangleMap, tempDir, writeLabelPng, writePhoto } from '../datasets/helpers.js';

const TINY_MODEL = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tiny-segformer');

function captureIO(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stderr = new Writable({
    write(chunk, _encoding, done) {
      err.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean };
  const io: CommandIO = { stdout: (text) => void out.push(text), stderr, env };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const dir = tempDir();
const W = 32;
const H = 24;
// ground truth: skin rectangle with hair above; predictions: the same shifted by 0, 2 and 5 px
for (const [id, dx] of [
  ['p0', 0],
  ['p1', 2],
  ['p2', 5],
] as const) {
  writeLabelPng(
    join(dir, 'gt', `${id}.png`),
    rectangleMap(W, H, [
      [0, 0, W, 6, 13],
      [8, 6, 16, 14, 1],
    ]),
    W,
    H,
  );
  writeLabelPng(
    join(dir, 'pred', `${id}.png`),
    rectangleMap(W, H, [
      [0, 0, W, 6, 13],
      [8 + dx, 6, 16, 14, 1],
    ]),
    W,
    H,
  );
}
const base: EvalCommandOptions = { pred: join(dir, 'pred'), gt: join(dir, 'gt') };

describe('faceparse eval --pred --gt', () => {
  it('--json prints one object with the summary and per-class scores; progress is plain lines off a terminal', async () => {
    const c = captureIO();
    await runEval({ ...base, json: true }, c.io);
    const report = JSON.parse(c.stdout());
    for (const key of ['pixelAccuracy', 'meanIoU', 'meanF1', 'boundaryF1', 'perClass']) expect(report).toHaveProperty(key);
    expect(report.images).toBe(3);
    expect(report.perClass.skin.iou).toBeGreaterThan(0.7);
    expect(report.perClass.skin.iou).toBeLessThan(1);
    expect(report.perClass.nose.iou).toBeNull();
    expect(c.stderr()).toContain('eval: 1/3 p0\neval: 2/3 p1\neval: 3/3 p2\n');
  });

  it('prints the table and the summary line by default, Markdown with --markdown', async () => {
    const table = captureIO();
    await runEval(base, table.io);
    expect(table.stdout()).toMatch(/^class\s+IoU %/);
    expect(table.stdout().trimEnd().split('\n').at(-1)).toMatch(/^pixel accuracy \d+\.\d\d% {2}mIoU .* over 3 images$/);
    const md = captureIO();
    await runEval({ ...base, markdown: true }, md.io);
    expect(md.stdout()).toMatch(/^# faceparse eval/);
  });

  it('--report writes the pictures and the page, and says where', async () => {
    const c = captureIO();
    const out = join(dir, 'report');
    await runEval({ ...base, report: out, worst: '2' }, c.io);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(existsSync(join(out, 'gallery', '01-p2.png'))).toBe(true);
    expect(existsSync(join(out, 'gallery', '02-p1.png'))).toBe(true);
    expect(c.stderr()).toContain(`report written to ${join(out, 'index.html')}`);
  });

  it('--pred-labels maps predictions saved in another class order', async () => {
    const bisenet = (name: string) => BISENET_LABELS.indexOf(name as (typeof BISENET_LABELS)[number]);
    const other = join(dir, 'bisenet');
    writeLabelPng(
      join(other, 'pred', 'x.png'),
      rectangleMap(W, H, [
        [0, 0, W, 6, bisenet('hair')],
        [8, 6, 16, 14, bisenet('skin')],
      ]),
      W,
      H,
    );
    writeLabelPng(
      join(other, 'gt', 'x.png'),
      rectangleMap(W, H, [
        [0, 0, W, 6, 13],
        [8, 6, 16, 14, 1],
      ]),
      W,
      H,
    );
    const c = captureIO();
    await runEval({ pred: join(other, 'pred'), gt: join(other, 'gt'), predLabels: 'bisenet', json: true }, c.io);
    expect(JSON.parse(c.stdout()).pixelAccuracy).toBe(1);
  });

  it('--label-set lapa scores CelebAMask-HQ predictions against LaPa ground truth', async () => {
    const lapa = join(dir, 'lapa');
    // predictions in CelebAMask-HQ ids: hair 13 on top, skin 1, neck 17 and cloth 18 below
    writeLabelPng(
      join(lapa, 'pred', 'x.png'),
      rectangleMap(W, H, [
        [0, 0, W, 6, 13],
        [8, 6, 16, 8, 1],
        [0, 14, W, 2, 17],
        [0, 16, W, 8, 18],
      ]),
      W,
      H,
    );
    // the same picture in LaPa ids: hair 10, skin 1, neck and cloth are background 0
    writeLabelPng(
      join(lapa, 'gt', 'x.png'),
      rectangleMap(W, H, [
        [0, 0, W, 6, 10],
        [8, 6, 16, 8, 1],
      ]),
      W,
      H,
    );
    const c = captureIO();
    await runEval({ pred: join(lapa, 'pred'), gt: join(lapa, 'gt'), labelSet: 'lapa', predLabels: 'celebamask', json: true }, c.io);
    const report = JSON.parse(c.stdout());
    expect(report.pixelAccuracy).toBe(1);
    expect(report.labels).toHaveLength(11);
    // without the mapping the same files disagree
    const plain = captureIO();
    await runEval({ pred: join(lapa, 'pred'), gt: join(lapa, 'gt'), labels: 'celebamask', json: true }, plain.io);
    expect(JSON.parse(plain.stdout()).pixelAccuracy).toBeLessThan(1);
    await expect(runEval({ pred: join(lapa, 'pred'), gt: join(lapa, 'gt'), labelSet: 'lapa', labels: 'lapa' }, captureIO().io)).rejects.toThrow(
      /--label-set and --labels both name/,
    );
  });

  it('bad data stops the run by default; --skip-bad goes on and lists what it skipped', async () => {
    const bad = join(dir, 'bad');
    writeLabelPng(join(bad, 'gt', 'a.png'), new Uint8Array(16), 4, 4);
    writeLabelPng(join(bad, 'pred', 'a.png'), new Uint8Array(16), 4, 4);
    writeLabelPng(join(bad, 'gt', 'b.png'), new Uint8Array(16).fill(40), 4, 4); // ids out of range
    writeLabelPng(join(bad, 'pred', 'b.png'), new Uint8Array(16), 4, 4);
    const options = { pred: join(bad, 'pred'), gt: join(bad, 'gt') };
    const error = await errorOf(runEval(options, captureIO().io));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/b\.png: class ids 40 \(16 px\) are out of range/);
    const c = captureIO();
    await runEval({ ...options, skipBad: true }, c.io);
    expect(c.stdout()).toMatch(/skipped 1 bad sample\(s\):\n {2}b: .*b\.png: class ids 40/);
    expect(c.stdout()).toMatch(/over 1 image$/m);
  });

  it('lists missing pairs', async () => {
    const c = captureIO();
    writeLabelPng(join(dir, 'lonely', 'pred', 'only.png'), new Uint8Array(4), 2, 2);
    writeLabelPng(join(dir, 'lonely', 'gt', 'other.png'), new Uint8Array(4), 2, 2);
    const error = await errorOf(runEval({ pred: join(dir, 'lonely', 'pred'), gt: join(dir, 'lonely', 'gt') }, c.io));
    expect(error.message).toMatch(/missing pairs .*: 1 predictions .* without ground truths .*: only; 1 ground truths .* without predictions .*: other/);
  });
});

describe('faceparse eval: option checks', () => {
  it.each([
    [{}, /give --data DIR \(and --model M\) .* or --pred DIR --gt DIR/],
    [{ model: 'm', data: 'd', pred: 'p', gt: 'g' }, /use either --model with --data .* or --pred with --gt/],
    [{ pred: 'p' }, /--pred and --gt go together/],
    [{ ...base, json: true, markdown: true }, /choose one of --json and --markdown/],
    [{ ...base, limit: 'ten' }, /--limit: expected an integer >= 1, got 'ten'/],
    [{ ...base, ignoreIndex: '256' }, /--ignore-index: expected an integer from 0 to 255, got '256'/],
    [{ ...base, tolerance: '-1' }, /--tolerance: expected a number > 0, got '-1'/],
    [{ ...base, split: 'val' }, /--split applies to --model\/--data runs only/],
    [{ ...base, flip: true }, /--flip applies to --model\/--data runs only/],
    [{ ...base, scales: '0.75,1' }, /--scales applies to --model\/--data runs only/],
    [{ model: 'm', data: 'd', scales: '0.75,1.25' }, /--scales: expected .*, got '0\.75,1\.25' \(1 is missing/],
    [{ model: 'm', data: 'd', scales: '1,x' }, /--scales: expected .*, got '1,x' \('x' is not a number/],
    [{ model: 'm', data: 'd', images: 'i' }, /--images and --pred-labels apply to --pred\/--gt runs only/],
  ] as Array<[EvalCommandOptions, RegExp]>)('%o', async (options, message) => {
    const error = await errorOf(runEval(options, captureIO().io));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });

  it('--data runs the model on each photo and scores its output against the masks', async () => {
    const data = join(dir, 'model-data');
    for (const id of ['m1', 'm2']) {
      await writePhoto(join(data, 'images', `${id}.jpg`), 40, 32);
      writeLabelPng(
        join(data, 'masks', `${id}.png`),
        rectangleMap(40, 32, [
          [0, 0, 40, 8, 13],
          [10, 8, 20, 24, 1],
        ]),
        40,
        32,
      );
    }
    const c = captureIO();
    await runEval({ data, model: TINY_MODEL, json: true, faces: 'off' }, c.io);
    const report = JSON.parse(c.stdout());
    expect(report.images).toBe(2);
    expect(c.stderr()).toMatch(/eval: .*tiny-segformer on .*model-data \(paired-folders, 2 images\)/);
    // the same matrix from FaceParser and the masks directly
    const parser = await FaceParser.create({ model: TINY_MODEL });
    const matrix = new ConfusionMatrix(19);
    for (const id of ['m1', 'm2']) {
      const result = await parser.parse(join(data, 'images', `${id}.jpg`), { faces: 'off' });
      matrix.update(result.categoryMask, (await readLabelMap(join(data, 'masks', `${id}.png`))).mask);
    }
    await parser.close();
    expect(report.confusionMatrix.flat()).toEqual(Array.from(matrix.counts));
  });

  it('--flip scores the flip test-time augmentation parse', async () => {
    const data = join(dir, 'model-data');
    const c = captureIO();
    await runEval({ data, model: TINY_MODEL, json: true, flip: true, faces: 'off' }, c.io);
    expect(c.stderr()).toMatch(/eval: .*tiny-segformer with flip test-time augmentation on/);
    const parser = await FaceParser.create({ model: TINY_MODEL });
    const flipped = new ConfusionMatrix(19);
    const plain = new ConfusionMatrix(19);
    for (const id of ['m1', 'm2']) {
      const truth = (await readLabelMap(join(data, 'masks', `${id}.png`))).mask;
      flipped.update((await parser.parse(join(data, 'images', `${id}.jpg`), { flip: true, faces: 'off' })).categoryMask, truth);
      plain.update((await parser.parse(join(data, 'images', `${id}.jpg`), { faces: 'off' })).categoryMask, truth);
    }
    await parser.close();
    expect(JSON.parse(c.stdout()).confusionMatrix.flat()).toEqual(Array.from(flipped.counts));
    expect(Array.from(flipped.counts)).not.toEqual(Array.from(plain.counts));
  });

  it('--scales (with --flip) scores the multi-scale test-time augmentation parse', async () => {
    const data = join(dir, 'model-data');
    const c = captureIO();
    await runEval({ data, model: TINY_MODEL, json: true, flip: true, scales: '0.75,1,1.25', faces: 'off' }, c.io);
    expect(c.stderr()).toMatch(/eval: .*tiny-segformer with flip and scales 0\.75,1,1\.25 test-time augmentation on/);
    const parser = await FaceParser.create({ model: TINY_MODEL });
    const scaled = new ConfusionMatrix(19);
    const flipped = new ConfusionMatrix(19);
    for (const id of ['m1', 'm2']) {
      const truth = (await readLabelMap(join(data, 'masks', `${id}.png`))).mask;
      scaled.update((await parser.parse(join(data, 'images', `${id}.jpg`), { flip: true, scales: [0.75, 1, 1.25], faces: 'off' })).categoryMask, truth);
      flipped.update((await parser.parse(join(data, 'images', `${id}.jpg`), { flip: true, faces: 'off' })).categoryMask, truth);
    }
    await parser.close();
    expect(JSON.parse(c.stdout()).confusionMatrix.flat()).toEqual(Array.from(scaled.counts));
    expect(Array.from(scaled.counts)).not.toEqual(Array.from(flipped.counts));
  });

  it('--model fails with a FaceParseError when the model cannot be loaded', async () => {
    const data = join(dir, 'data');
    writeLabelPng(join(data, 'masks', 'a.png'), new Uint8Array(4), 2, 2);
    await writePhoto(join(data, 'images', 'a.jpg'), 2, 2);
    const error = await errorOf(runEval({ model: join(dir, 'no-such-model'), data }, captureIO().io));
    expect(error).toBeInstanceOf(FaceParseError);
  });
});

describe('registerEvalCommand', () => {
  it('wires every flag to runEval (kebab-case flags to the option names)', async () => {
    const c = captureIO();
    const program = new Command('faceparse').exitOverride();
    registerEvalCommand(program, c.io);
    await program.parseAsync(
      [
        'eval',
        '--pred',
        base.pred!,
        '--gt',
        base.gt!,
        '--json',
        '--merge-sides',
        '--tolerance-px',
        '2',
        '--ignore-index',
        '255',
        '--pred-labels',
        'celebamask-hq',
        '--limit',
        '2',
      ],
      { from: 'user' },
    );
    const report = JSON.parse(c.stdout());
    expect(report.images).toBe(2);
    expect(report.boundaryTolerance).toEqual({ pixels: 2 });
    expect(report.mergedSides.labels).toContain('eye');
    expect(() => program.parse(['eval', '--worst-by', 'nonsense'], { from: 'user' })).toThrow(/Allowed choices are meanF1, meanIoU, boundaryF1, pixelAccuracy/);
  });
});
