/**
 * End to end on real photos (up to 4000x4000, several faces, a painting): our labels against the
 * Python reference pipeline's, with a random-weight SegFormer-B0. The reference labels come from
 * training/golden/reference_labels.py (see training/golden/README.md); the test skips, saying
 * why, where the photos, the model or the reference labels are absent.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceParser } from '../../src/node/faceParser.js';
import { decodeLabelPng } from '../../src/platform/node/render.js';

const PHOTOS = resolve('..', 'shared', 'data', 'photos');
const ROOT = process.env.FACEPARSE_PARITY_DIR ?? join(homedir(), '.cache', 'faceparse');
const MODEL = join(ROOT, 'random-models', 'b0');
const REFERENCE = join(ROOT, 'reference', 'b0');

const photos = existsSync(PHOTOS) ? readdirSync(PHOTOS).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort() : [];
const missing = !existsSync(PHOTOS)
  ? `../shared/data/photos is absent`
  : !existsSync(join(MODEL, 'onnx', 'model.onnx'))
    ? `no random B0 model in ${MODEL} (python training/golden/make_random_models.py --arch b0)`
    : photos.some((p) => !existsSync(join(REFERENCE, `${basename(p, extname(p))}.labels.png`)))
      ? `reference labels missing in ${REFERENCE} (python training/golden/reference_labels.py --model ${MODEL} --out ${REFERENCE} ../shared/data/photos/*.jpg)`
      : '';

describe.skipIf(missing !== '')(`photo parity with the reference pipeline${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let parser: FaceParser;
  beforeAll(async () => {
    parser = await FaceParser.create({ model: MODEL, variant: 'fp32' });
  });
  afterAll(() => parser?.close());

  it.each(photos)('%s: labels agree on >= 99.9% of pixels', async (photo) => {
    const reference = await decodeLabelPng(join(REFERENCE, `${basename(photo, extname(photo))}.labels.png`));
    const result = await parser.parse(join(PHOTOS, photo), { keepLogits: false, faces: 'off' });
    expect([result.width, result.height]).toEqual([reference.width, reference.height]);
    let same = 0;
    for (let i = 0; i < reference.mask.length; i++) if (result.categoryMask[i] === reference.mask[i]) same++;
    const agreement = same / reference.mask.length;
    console.log(`photo parity ${photo} ${result.width}x${result.height}: ${(agreement * 100).toFixed(4)}% (${reference.mask.length - same} of ${reference.mask.length} pixels differ)`);
    expect(agreement).toBeGreaterThanOrEqual(0.999);
  });
});
