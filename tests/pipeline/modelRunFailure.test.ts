/**
 * An onnxruntime failure on one photo is that photo's error: a model that parses photos at their
 * own size (broken-models/no-resize: do_resize false, a 4x4 Conv) cannot run on a 1x1 photo. The
 * library reports it for that photo (MODEL_RUN_FAILED) and parses the others, the CLI exits 1
 * with one line and no stack trace, and the service answers a JSON 422.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceParser } from '../../src/node/faceParser.js';
import { createServer } from '../../src/server/app.js';
import { FIXTURES, GOLDEN_DIR } from '../helpers/golden.js';

const NO_RESIZE = join(FIXTURES, 'broken-models', 'no-resize');
const PHOTO = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
const BIN = resolve('dist/src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'faceparse-run-failure-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let tiny: Buffer;
beforeAll(async () => {
  tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
});

describe('a model that cannot run on one photo', () => {
  it('the library reports it for that photo and parses the others', async () => {
    const parser = await FaceParser.create({ model: NO_RESIZE, threads: 1 });
    try {
      const items = await parser.parseBatch([PHOTO, tiny, PHOTO], { faces: 'off' });
      expect(items.map((i) => i.error?.code ?? 'ok')).toEqual(['ok', 'MODEL_RUN_FAILED', 'ok']);
      expect(items[1]!.error!.message).toMatch(
        /the model could not run on a 1x1 input \(onnxruntime: .*Conv.*\); this model parses photos at their own size \(do_resize false/,
      );
      const single = await parser.parse(tiny, { faces: 'off' }).catch((e: unknown) => e);
      expect((single as { code: string }).code).toBe('MODEL_RUN_FAILED');
      expect((await parser.parse(PHOTO, { faces: 'off' })).width).toBeGreaterThan(1); // the session still works
    } finally {
      await parser.close();
    }
  });

  it('faceparse parse on the folder: exit 1, one line for the photo, no stack trace, the others written', () => {
    const photos = join(tmp, 'photos');
    mkdirSync(photos);
    writeFileSync(join(photos, 'a_tiny.png'), tiny);
    copyFileSync(PHOTO, join(photos, 'b.jpg'));
    copyFileSync(PHOTO, join(photos, 'c.jpg'));
    const out = join(tmp, 'out');
    const run = spawnSync(process.execPath, [BIN, 'parse', photos, '--model', NO_RESIZE, '--faces', 'off', '--out', out, '--threads', '1'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CI: '1' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/error: .*a_tiny\.png: the model could not run on a 1x1 input/);
    expect(run.stderr).not.toMatch(/unexpected error|^\s+at |onnxruntime:, sequential_executor/m);
    expect(run.stderr).toMatch(/parsed 2 of 3 inputs/);
  });

  it('the service answers a JSON 422 and keeps serving', async () => {
    const server = await createServer({ parser: { model: NO_RESIZE, threads: 1 }, logLevel: 'silent' });
    try {
      const url = await server.listen({ port: 0 });
      const post = (body: Buffer) =>
        fetch(`${url}/v1/parse?faces=off`, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'image/png' } });
      const failed = await post(tiny);
      expect(failed.status).toBe(422);
      const answer = (await failed.json()) as { error: { code: string; message: string } };
      expect(answer.error.code).toBe('MODEL_RUN_FAILED');
      expect(answer.error.message).toMatch(/could not run on a 1x1 input/);
      expect((await post(await sharp(PHOTO).png().toBuffer())).status).toBe(200);
    } finally {
      await server.close({ graceMs: 1000 });
    }
  });
});
