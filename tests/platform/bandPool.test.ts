/** Row bands across threads give the bytes of the single-threaded resize and upsample + arg-max. */
import { afterAll, describe, expect, it } from 'vitest';
import { PIL_RESAMPLE, resizePil, resizePilRows } from '../../src/image/resize.js';
import { createBandPool } from '../../src/platform/node/bandPool.js';
import { upsampleArgmax } from '../../src/postprocess/upsampleArgmax.js';
import { seededRandom } from '../../bench/util.js';

const pool = createBandPool(3);
afterAll(() => pool.close());

function randomBytes(n: number, seed: number): Uint8Array {
  const rand = seededRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

describe('band pool', () => {
  it.each([
    ['shrink both axes, bilinear', 2003, 1501, 512, 512, PIL_RESAMPLE.BILINEAR],
    ['shrink, bicubic', 1800, 1400, 640, 480, PIL_RESAMPLE.BICUBIC],
    ['height only', 1200, 2400, 1200, 700, PIL_RESAMPLE.BILINEAR],
    ['width only', 2400, 1200, 700, 1200, PIL_RESAMPLE.BILINEAR],
    ['nearest', 2100, 1300, 333, 517, PIL_RESAMPLE.NEAREST],
  ])('resize (%s) equals resizePil', async (_name, w, h, ow, oh, resample) => {
    const src = randomBytes(w * h * 3, w + h);
    const expected = resizePil(src, w, h, 3, ow, oh, resample);
    const banded = await pool.resize(src, w, h, 3, ow, oh, resample);
    expect(Buffer.from(banded).equals(Buffer.from(expected))).toBe(true);
  });

  it('resizePilRows bands laid end to end equal the whole, also from a part of the source', () => {
    const [w, h, ow, oh] = [300, 260, 97, 83];
    const src = randomBytes(w * h * 3, 7);
    const whole = resizePil(src, w, h, 3, ow, oh, PIL_RESAMPLE.BILINEAR);
    const top = resizePilRows(src, w, h, 3, ow, oh, PIL_RESAMPLE.BILINEAR, 0, 40);
    const offset = 100;
    const bottom = resizePilRows(src.slice(offset * w * 3), w, h, 3, ow, oh, PIL_RESAMPLE.BILINEAR, 40, oh, offset);
    expect(Buffer.concat([top, bottom]).equals(Buffer.from(whole))).toBe(true);
  });

  it('upsample + arg-max equals the single-threaded call', async () => {
    const [classes, h, w, oh, ow] = [19, 64, 48, 2100, 1500];
    const rand = seededRandom(3);
    const logits = Float32Array.from({ length: classes * h * w }, () => rand() * 8 - 4);
    const expected = upsampleArgmax(logits, classes, h, w, oh, ow);
    const banded = await pool.upsampleArgmax(logits, classes, h, w, oh, ow);
    expect(Buffer.from(banded).equals(Buffer.from(expected))).toBe(true);
  });
});
