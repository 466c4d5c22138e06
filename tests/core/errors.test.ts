/** Every bad input and bad model gives one clear FaceParseError; nothing crashes the process. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { FaceParser } from '../../src/node/faceParser.js';
import { decodeImage } from '../../src/platform/node/decode.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';

const tmp = mkdtempSync(join(tmpdir(), 'faceparse-errors-'));
const jpegPath = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');

async function expectError(promise: Promise<unknown>, code: string, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FaceParseError);
  expect((error as FaceParseError).code).toBe(code);
  expect((error as FaceParseError).message).toMatch(message);
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bad inputs', () => {
  it('an empty file', async () => {
    const path = join(tmp, 'empty.jpg');
    writeFileSync(path, '');
    await expectError(decodeImage(path), 'INPUT_EMPTY', /empty\.jpg is empty \(0 bytes\)/);
  });

  it('a file that is not an image', async () => {
    const path = join(tmp, 'notes.jpg');
    writeFileSync(path, 'these are not pixels\n');
    await expectError(decodeImage(path), 'INPUT_UNREADABLE', /notes\.jpg is not an image faceparse can read .*give a JPEG, PNG/);
  });

  it('a truncated JPEG', async () => {
    const bytes = readFileSync(jpegPath);
    const path = join(tmp, 'truncated.jpg');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectError(decodeImage(path), 'INPUT_UNREADABLE', /truncated\.jpg could not be decoded .*truncated or corrupt/);
  });

  it('a missing file and a folder', async () => {
    await expectError(decodeImage(join(tmp, 'nope.png')), 'INPUT_UNREADABLE', /cannot read .*nope\.png: no such file/);
    await expectError(decodeImage(tmp), 'INPUT_UNREADABLE', /is a folder, not an image file/);
  });

  it('a vector image is refused', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    await expectError(decodeImage(svg), 'INPUT_UNREADABLE', /is svg, not a raster photo/);
  });

  it('a decompression bomb: header says more pixels than allowed', async () => {
    const png = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await expectError(
      decodeImage(png, { maxInputPixels: 1_000_000 }),
      'INPUT_TOO_LARGE',
      /3000x3000 = 9,000,000 pixels, over the limit of 1,000,000.*--max-pixels/,
    );
  });

  it('raw pixels with the wrong length or channel count', async () => {
    await expectError(decodeImage({ data: new Uint8Array(10), width: 2, height: 2 }), 'INVALID_ARGUMENT', /10 bytes but 2x2x3 needs 12/);
    await expectError(decodeImage({ data: new Uint8Array(8), width: 2, height: 2, channels: 2 as 3 }), 'INVALID_ARGUMENT', /channels=2/);
  });
});

describe('bad models', () => {
  function modelCopy(name: string, edit: (dir: string) => void): string {
    const dir = join(tmp, name);
    cpSync(TINY_MODEL, dir, { recursive: true });
    edit(dir);
    return dir;
  }

  it('a folder without onnx/model.onnx', async () => {
    const dir = modelCopy('no-onnx', (d) => rmSync(join(d, 'onnx/model.onnx')));
    await expectError(FaceParser.create({ model: dir, variant: 'fp32' }), 'MODEL_FILE_MISSING', /has no onnx\/model\.onnx/);
  });

  it('a config of another model type', async () => {
    const dir = modelCopy('vit', (d) => {
      const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...config, model_type: 'vit' }));
    });
    await expectError(FaceParser.create({ model: dir }), 'MODEL_INVALID', /model_type "vit"; faceparse runs SegFormer models/);
  });

  it('a config whose labels do not match the ONNX outputs', async () => {
    const dir = modelCopy('labels', (d) => {
      const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      const id2label = Object.fromEntries(Object.entries(config.id2label).slice(0, 18));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...config, id2label, label2id: undefined, num_labels: 18 }));
    });
    await expectError(FaceParser.create({ model: dir, variant: 'fp32' }), 'MODEL_INVALID', /outputs 19 classes but config\.json's id2label has 18/);
  });

  it('a config that is not JSON, and an ONNX file that is not a model', async () => {
    const badJson = modelCopy('bad-json', (d) => writeFileSync(join(d, 'config.json'), '{ nope'));
    await expectError(FaceParser.create({ model: badJson }), 'MODEL_INVALID', /config\.json is not valid JSON/);
    const badOnnx = modelCopy('bad-onnx', (d) => writeFileSync(join(d, 'onnx/model.onnx'), 'not a protobuf'));
    await expectError(FaceParser.create({ model: badOnnx, variant: 'fp32' }), 'MODEL_INVALID', /model\.onnx is not a loadable ONNX model/);
  });

  it('a preprocessor config with a zero std', async () => {
    const dir = modelCopy('zero-std', (d) => {
      const p = JSON.parse(readFileSync(join(d, 'preprocessor_config.json'), 'utf8'));
      writeFileSync(join(d, 'preprocessor_config.json'), JSON.stringify({ ...p, image_std: [0.2, 0, 0.2] }));
    });
    await expectError(FaceParser.create({ model: dir }), 'MODEL_INVALID', /image_std has a zero/);
  });

  it('a device that is not installed', async () => {
    await expectError(FaceParser.create({ model: TINY_MODEL, device: 'cuda' }), 'DEVICE_UNAVAILABLE', /device 'cuda' is not available.*use device 'cpu'/);
  });
});

describe('FaceParser behaviour', () => {
  let parser: FaceParser;
  beforeAll(async () => {
    parser = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
  });
  afterAll(() => parser.close());

  it('a batch with bad inputs keeps every good result, in order', async () => {
    const empty = join(tmp, 'batch-empty.png');
    writeFileSync(empty, '');
    const good = join(GOLDEN_DIR, 'images/exact_png.png');
    const items = await parser.parseBatch([good, empty, join(tmp, 'missing.jpg'), jpegPath]);
    expect(items.map((i) => i.index)).toEqual([0, 1, 2, 3]);
    expect(items.map((i) => (i.result ? 'ok' : i.error!.code))).toEqual(['ok', 'INPUT_EMPTY', 'INPUT_UNREADABLE', 'ok']);
    const single = await parser.parse(good);
    expect(items[0]!.result!.categoryMask).toEqual(single.categoryMask);
  });

  it('concurrent parses give the results of sequential ones', async () => {
    const inputs = ['exact_png.png', 'downscale_png.png', 'jpeg_q90.jpg', 'upscale_png.png'].map((f) => join(GOLDEN_DIR, 'images', f));
    const sequential: Uint8Array[] = [];
    for (const input of inputs) sequential.push((await parser.parse(input)).categoryMask);
    const concurrent = await Promise.all(inputs.map((input) => parser.parse(input)));
    concurrent.forEach((r, i) => expect(r.categoryMask).toEqual(sequential[i]));
  });

  it('raw RGB, RGBA and grey pixels parse like the encoded image', async () => {
    const { data, info } = await sharp(join(GOLDEN_DIR, 'images/exact_png.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const fromFile = await parser.parse(join(GOLDEN_DIR, 'images/exact_png.png'));
    const fromRaw = await parser.parse({ data, width: info.width, height: info.height });
    expect(fromRaw.categoryMask).toEqual(fromFile.categoryMask);
    const rgba = new Uint8Array(info.width * info.height * 4);
    for (let i = 0; i < info.width * info.height; i++) rgba.set([data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!, 7], i * 4);
    expect((await parser.parse({ data: rgba, width: info.width, height: info.height, channels: 4 })).categoryMask).toEqual(fromFile.categoryMask);
    const grey = await parser.parse({ data: new Uint8Array(info.width * info.height).fill(128), width: info.width, height: info.height, channels: 1 });
    expect(grey.categoryMask.length).toBe(info.width * info.height);
  });

  it('results convert lazily: summary, confidence, probabilities, JSON', async () => {
    const result = await parser.parse(jpegPath);
    const summary = result.summary();
    expect(summary.classes.reduce((s, c) => s + c.pixels, 0)).toBe(result.width * result.height);
    const confidence = result.confidenceMask();
    expect(confidence.length).toBe(result.width * result.height);
    const skin = result.probabilityMask('skin');
    for (let i = 0; i < confidence.length; i += 997) {
      expect(confidence[i]!).toBeGreaterThanOrEqual(1 / 19 - 1e-6);
      expect(confidence[i]!).toBeLessThanOrEqual(1);
      if (result.categoryMask[i] === 1) expect(skin[i]).toBeCloseTo(confidence[i]!, 5);
      else expect(skin[i]!).toBeLessThanOrEqual(confidence[i]! + 1e-6);
    }
    expect(() => result.probabilityMask('moustache')).toThrow(/no class "moustache"/);
    const json = result.toJSON();
    expect(json.labels).toHaveLength(19);
    expect(json.classes.find((c) => c.label === 'skin')!.pixels).toBe(summary.classes[1]!.pixels);
  });

  it('q8 and fp16 variants load and mostly agree with fp32', async () => {
    const fp32 = await parser.parse(jpegPath);
    for (const variant of ['q8', 'fp16'] as const) {
      const other = await FaceParser.create({ model: TINY_MODEL, variant, threads: 1 });
      const result = await other.parse(jpegPath);
      let same = 0;
      for (let i = 0; i < fp32.categoryMask.length; i++) if (fp32.categoryMask[i] === result.categoryMask[i]) same++;
      expect(same / fp32.categoryMask.length).toBeGreaterThan(0.9);
      await other.close();
    }
  });

  it('a closed parser says so', async () => {
    const other = await FaceParser.create({ model: TINY_MODEL, threads: 1 });
    await other.close();
    await expectError(other.parse(jpegPath), 'CLOSED', /was closed/);
  });
});
