/**
 * End to end on real photos (up to 4000x4000, several faces, a painting): our labels against the
 * Python reference pipeline's, with a random-weight SegFormer-B0. The model and the reference labels
 * are made here by `bash training/golden/make_photo_parity.sh` (the training venv's reference
 * pipeline; .ci/run runs it before npm test, so CI always compares). Without Python (a plain `npm
 * test`) the test skips, saying why and what to run; with FACEPARSE_REQUIRE_PHOTO_PARITY=1 (.ci/run)
 * a missing model or reference is a failure instead, where the photos are present.
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

const photos = existsSync(PHOTOS)
  ? readdirSync(PHOTOS)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
  : [];
const MAKE = 'bash training/setup.sh && bash training/golden/make_photo_parity.sh';
const noData = !existsSync(join(MODEL, 'onnx', 'model.onnx'))
  ? `no random B0 model in ${MODEL}; make it and the reference labels with \`${MAKE}\``
  : photos.some((p) => !existsSync(join(REFERENCE, `${basename(p, extname(p))}.labels.png`)))
    ? `reference labels missing in ${REFERENCE}; make them with \`${MAKE}\``
    : '';
const missing = !existsSync(PHOTOS) ? `../shared/data/photos is absent` : noData;

// CI makes the data first (.ci/run); there a missing model or reference must not pass as a skip.
describe.runIf(missing !== '' && existsSync(PHOTOS) && process.env.FACEPARSE_REQUIRE_PHOTO_PARITY === '1')('photo parity data', () => {
  it('is present (FACEPARSE_REQUIRE_PHOTO_PARITY=1)', () => {
    throw new Error(missing);
  });
});

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
    console.log(
      `photo parity ${photo} ${result.width}x${result.height}: ${(agreement * 100).toFixed(4)}% (${reference.mask.length - same} of ${reference.mask.length} pixels differ)`,
    );
    expect(agreement).toBeGreaterThanOrEqual(0.999);
  });
});
