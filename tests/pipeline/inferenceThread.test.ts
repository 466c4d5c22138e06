/**
 * The model on its own thread (the default) gives what the in-process session gives, keeps error
 * codes across the thread boundary, drains on close(), and never keeps a process alive once idle.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { FaceParser } from '../../src/node/faceParser.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';

const photo = join(GOLDEN_DIR, 'images', 'jpeg_q90.jpg');
const other = join(GOLDEN_DIR, 'images', 'downscale_png.png');

describe('inference thread', () => {
  let threaded: FaceParser;
  let inProcess: FaceParser;
  beforeAll(async () => {
    threaded = await FaceParser.create({ model: TINY_MODEL, threads: 1 });
    inProcess = await FaceParser.create({ model: TINY_MODEL, threads: 1, inferenceThread: false });
  });
  afterAll(async () => {
    await threaded.close();
    await inProcess.close();
  });

  it('gives the same label maps and logits as the in-process session, with flip and scales too', async () => {
    for (const options of [{}, { flip: true }, { scales: [0.75, 1, 1.25] }]) {
      const [a, b] = await Promise.all([threaded.parse(photo, options), inProcess.parse(photo, options)]);
      expect(Buffer.from(a.categoryMask).equals(Buffer.from(b.categoryMask))).toBe(true);
      expect(Array.from(a.confidenceMask().subarray(0, 500))).toEqual(Array.from(b.confidenceMask().subarray(0, 500)));
    }
  });

  it('several sessions give the same results as one, in input order', async () => {
    const pool = await FaceParser.create({ model: TINY_MODEL, sessions: 2 });
    try {
      const inputs = [photo, other, photo, other, photo];
      const items = await pool.parseBatch(inputs);
      expect(items.map((i) => i.index)).toEqual([0, 1, 2, 3, 4]);
      for (const item of items) {
        const single = await inProcess.parse(inputs[item.index]!);
        expect(Buffer.from(item.result!.categoryMask).equals(Buffer.from(single.categoryMask))).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });

  it('keeps FaceParseError codes across the thread boundary', async () => {
    const error = await FaceParser.create({ model: TINY_MODEL, device: 'gpu' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceParseError);
    expect((error as FaceParseError).code).toBe('INVALID_ARGUMENT');
  });

  it('close() lets parses already started finish', async () => {
    const parser = await FaceParser.create({ model: TINY_MODEL });
    const pending = [parser.parse(photo), parser.parse(other)];
    await parser.close();
    const results = await Promise.all(pending);
    expect(results.map((r) => r.width)).toEqual([480, (await inProcess.parse(other)).width]);
    await expect(parser.parse(photo)).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('an idle parser does not keep the process alive (a script that forgets close() exits)', () => {
    const script = `
      import { FaceParser } from 'faceparse';
      const parser = await FaceParser.create({ model: ${JSON.stringify(TINY_MODEL)} });
      const r = await parser.parse(${JSON.stringify(photo)});
      console.log(r.width);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('480');
  });
});
