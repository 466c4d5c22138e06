/**
 * The library against broken models and careless callers: models that break what parse relies on
 * (tests/fixtures/broken-models, made by make_broken_models.py), raw pixels of the wrong type,
 * null inputs, a batch with a bad item, close() with parses pending, an SVG posing as a
 * ground-truth PNG and a HEIC photo without an HEVC decoder. Every failure is a FaceParseError
 * with a code; batches keep their other items.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLabelMap } from '../../src/datasets/readLabelMap.js';
import { FaceParser } from '../../src/node/faceParser.js';
import { decodeImage } from '../../src/platform/node/decode.js';
import { canDecodeHevc, isHevcHeif } from '../../src/platform/node/heic.js';
import { FIXTURES, GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';
import { failure } from '../helpers/failure.js';

const BROKEN = join(FIXTURES, 'broken-models');
const PHOTO = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
const OTHER = join(GOLDEN_DIR, 'images/exact_png.png');
const BIN = resolve('dist/src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'faceparse-hardening-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function faceparse(args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 60_000 });
  return { code: run.status, stderr: run.stderr };
}

describe('models are checked at load for what parse relies on', () => {
  it('the control model of the broken set parses', async () => {
    const parser = await FaceParser.create({ model: join(BROKEN, 'good') });
    const result = await parser.parse(PHOTO);
    expect(result.categoryMask.length).toBe(result.width * result.height);
    await parser.close();
  });

  it('refuses a model with a second required input, naming its inputs', async () => {
    const error = await failure(FaceParser.create({ model: join(BROKEN, 'extra-input') }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/model\.onnx has 2 inputs \[pixel_values, extra\]; faceparse feeds a model one input/);
  });

  it('refuses int64 logits at load', async () => {
    const error = await failure(FaceParser.create({ model: join(BROKEN, 'int64-logits') }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/output logits is int64; expected float32 or float16 logits/);
  });

  it('the CLI gives one error line and exit 1 for such a model, no stack', () => {
    const run = faceparse(['parse', PHOTO, '--model', join(BROKEN, 'int64-logits'), '--out', join(tmp, 'int64')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^faceparse: error: .*output logits is int64/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('a model whose answer is unusable', () => {
  let nan: FaceParser;
  let empty: FaceParser;
  beforeAll(async () => {
    nan = await FaceParser.create({ model: join(BROKEN, 'nan-logits') });
    empty = await FaceParser.create({ model: join(BROKEN, 'empty-logits') });
  });
  afterAll(async () => {
    await nan.close();
    await empty.close();
  });

  it('NaN logits are an error that names the model and the input, not an all-background mask', async () => {
    const error = await failure(nan.parse(PHOTO, { faces: 'off' }));
    expect(error.code).toBe('MODEL_OUTPUT_INVALID');
    expect(error.message).toContain(`model ${join(BROKEN, 'nan-logits')} returned non-finite logits (NaN`);
    expect(error.message).toContain(PHOTO);
  });

  it('a 0x0 logits map is an error', async () => {
    const error = await failure(empty.parse(PHOTO, { faces: 'off' }));
    expect(error.code).toBe('MODEL_OUTPUT_INVALID');
    expect(error.message).toMatch(/returned an empty logits map \(3 classes, 0x0\)/);
  });

  it('in a batch each item carries its error, and the CLI reports each input and exits 1', async () => {
    const items = await nan.parseBatch([PHOTO, OTHER], { faces: 'off' });
    expect(items.map((i) => i.error?.code)).toEqual(['MODEL_OUTPUT_INVALID', 'MODEL_OUTPUT_INVALID']);
    const run = faceparse(['parse', PHOTO, OTHER, '--model', join(BROKEN, 'nan-logits'), '--out', join(tmp, 'nan'), '--faces', 'off']);
    expect(run.code).toBe(1);
    expect(run.stderr.match(/^error: model .* returned non-finite logits/gm)).toHaveLength(2);
    expect(run.stderr).toMatch(/parsed 0 of 2 inputs .*; 2 failed/);
    expect(run.stderr).not.toMatch(/unexpected error|^\s+at /m);
  });
});

describe('inputs that are not what parse takes', () => {
  let parser: FaceParser;
  beforeAll(async () => {
    parser = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
  });
  afterAll(async () => {
    await parser.close();
  });

  const rgb = (w: number, h: number) => Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256);

  it('raw pixels must be 8-bit: Float32Array, Float64Array, Uint16Array and plain arrays are refused with how to convert', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [new Float32Array(4 * 4 * 3), /is a Float32Array; .*for floats in 0-1 use Uint8ClampedArray\.from\(data, \(v\) => v \* 255\)/],
      [new Float64Array(4 * 4 * 3), /is a Float64Array/],
      [new Uint16Array(4 * 4 * 3), /is a Uint16Array; .*v >> 8/],
      [Array.from({ length: 4 * 4 * 3 }, () => 128), /is a plain Array; .*Uint8ClampedArray\.from\(data\)/],
    ];
    for (const [data, message] of cases) {
      const error = await failure(parser.parse({ data, width: 4, height: 4 } as never));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
    }
  });

  it('Uint8Array and Uint8ClampedArray raw pixels give the same result', async () => {
    const data = rgb(20, 16);
    const a = await parser.parse({ data, width: 20, height: 16 });
    const b = await parser.parse({ data: new Uint8ClampedArray(data), width: 20, height: 16 });
    expect(b.categoryMask).toEqual(a.categoryMask);
  });

  it('null, undefined, a number, {} and raw pixels without data are INVALID_ARGUMENT, not TypeErrors', async () => {
    for (const input of [null, undefined, 42, {}, { width: 4, height: 4 }, '', new ArrayBuffer(8)]) {
      const error = await failure(parser.parse(input as never));
      expect(error.code, String(input)).toBe('INVALID_ARGUMENT');
    }
    expect((await failure(parser.parse(PHOTO, 5 as never))).code).toBe('INVALID_ARGUMENT');
  });

  it('parseBatch keeps the other inputs when one is null; a batch that is no list is refused', async () => {
    const items = await parser.parseBatch([PHOTO, null as never, OTHER]);
    expect(items.map((i) => i.index)).toEqual([0, 1, 2]);
    expect(items[0]!.result).toBeDefined();
    expect(items[1]!.error?.code).toBe('INVALID_ARGUMENT');
    expect(items[2]!.result).toBeDefined();
    expect((await failure(parser.parseBatch(null as never))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(parser.parseBatch(PHOTO as never))).code).toBe('INVALID_ARGUMENT');
  });

  it('maxInputBytes caps what is read of a path input', async () => {
    const small = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1, maxInputBytes: 1000 });
    const error = await failure(small.parse(PHOTO));
    expect(error.code).toBe('INPUT_TOO_LARGE');
    expect(error.message).toMatch(/over the limit of 1,000 bytes for one input; raise maxInputBytes/);
    await small.close();
  });

  it('FaceParser.create with options that are not an object, or a bad thread count, is INVALID_ARGUMENT', async () => {
    expect((await failure(FaceParser.create('model' as never))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(FaceParser.create({ model: TINY_MODEL, threads: 1.5 }))).code).toBe('INVALID_ARGUMENT');
  });

  it('caps threads at the core count (99999 threads would take gigabytes and never end)', async () => {
    const big = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 99999, inferenceThread: false });
    expect((await big.parse(PHOTO)).width).toBeGreaterThan(0);
    await big.close();
  }, 30_000);
});

describe('every public method throws FaceParseError on junk arguments', () => {
  it('ParseResult and FaceParser methods given null, numbers and strings', async () => {
    const parser = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
    const result = await parser.parse(PHOTO);
    const calls: Array<[string, () => unknown]> = [
      ['toOverlay(null) uses the defaults', () => result.toOverlay(null as never)],
      ['toColorPng(null) uses the defaults', () => result.toColorPng(null as never)],
      ['toLabelPng(null) uses the defaults', () => result.toLabelPng(null as never)],
    ];
    for (const [what, call] of calls) expect(Buffer.isBuffer(await call()), what).toBe(true);
    const junk: Array<[string, () => unknown]> = [
      ['toOverlay(5)', () => result.toOverlay(5 as never)],
      ['toOverlay({ alpha: 7 })', () => result.toOverlay({ alpha: 7 })],
      ['toClassMasks(5)', () => result.toClassMasks(5 as never)],
      ['toClassMasks([99])', () => result.toClassMasks([99])],
      ['probabilityMask(null)', () => result.probabilityMask(null as never)],
      ['inputSizeFor(-1, "a")', () => parser.inputSizeFor(-1, 'a' as never)],
      ['parse(photo, { scales: "x" })', () => parser.parse(PHOTO, { scales: 'x' as never })],
    ];
    for (const [what, call] of junk) {
      const error = await failure((async () => call())());
      expect(error.code, what).toBe('INVALID_ARGUMENT');
    }
    await parser.close();
  });
});

describe('close()', () => {
  it('lets parses that are pending finish, then refuses new ones', async () => {
    const parser = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
    const singles = [parser.parse(PHOTO), parser.parse(OTHER)];
    const batch = parser.parseBatch([PHOTO, OTHER]);
    await parser.close();
    for (const result of await Promise.all(singles)) expect(result.width).toBeGreaterThan(0);
    expect((await batch).every((i) => i.result)).toBe(true);
    expect((await failure(parser.parse(PHOTO))).code).toBe('CLOSED');
  });
});

describe('files that are not what their names say', () => {
  it('eval refuses an SVG named .png as a ground-truth mask', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#010101"/></svg>');
    const error = await failure(decodeLabelMap(svg, 'gt/face.png'));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/gt\/face\.png: is an SVG \(a vector drawing\), not a raster label map/);
  });

  it('a HEIC photo without an HEVC decoder says exactly that', async () => {
    // An AVIF re-branded as HEIC, with its picture marked HEVC: what an iPhone photo looks like to libheif.
    const avif = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
      .avif()
      .toBuffer();
    let text = avif.toString('latin1');
    for (const [from, to] of [
      ['av01', 'hvc1'],
      ['av1C', 'hvcC'],
      ['avif', 'heic'],
      ['avis', 'heis'],
    ])
      text = text.split(from!).join(to!);
    const heic = Buffer.from(text, 'latin1');
    expect(isHevcHeif(heic)).toBe(true);
    expect(isHevcHeif(avif)).toBe(false);
    if (await canDecodeHevc()) return; // a libvips with HEVC reads it (or says it is corrupt): nothing to check here
    const error = await failure(decodeImage(heic));
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.message).toMatch(/is a HEIC photo \(HEIF with HEVC pictures\), and the image library faceparse uses \(sharp's libvips\) has no HEVC decoder/);
    // AVIF (AV1 in HEIF) still decodes.
    expect((await decodeImage(avif)).width).toBe(16);
  });
});

describe('the low-level pixel exports', () => {
  it('throw FaceParseError INVALID_ARGUMENT on null or bad sizes, not TypeError', async () => {
    const { resizePil } = await import('../../src/image/resize.js');
    const { upsampleArgmax } = await import('../../src/postprocess/upsampleArgmax.js');
    for (const call of [
      () => resizePil(null as never, 4, 4, 3, 2, 2),
      () => resizePil(new Uint8Array(10), 4, 4, 3, 2, 2),
      () => resizePil(new Uint8Array(48), 4, 4, 3, 0, 2),
      () => upsampleArgmax(null as never, 19, 4, 4, 8, 8),
      () => upsampleArgmax(new Float32Array(19 * 16), 19, 4, 4, 8.5, 8),
    ]) {
      expect(call).toThrow(expect.objectContaining({ name: 'FaceParseError', code: 'INVALID_ARGUMENT' }));
    }
  });
});
