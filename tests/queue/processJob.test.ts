/**
 * What a worker does with one job, without Redis: bad input fails the job for good (BullMQ's
 * UnrecoverableError, so it is not retried: the photo will not get better), while other errors (the
 * out folder gone) are thrown as they are, for BullMQ to retry with back-off. The end-to-end run
 * (tests/queue/batch.test.ts) checks the same through a real queue where Redis is installed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParseJobData } from '../../src/queue/jobSchema.js';
import { modelRequest } from '../../src/queue/modelIdentity.js';
import { ParserPool } from '../../src/queue/parserPool.js';
import { createProcessor } from '../../src/queue/processJob.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';

describe('a worker processing one job', () => {
  let tmp: string;
  let pool: ParserPool;
  let process: ReturnType<typeof createProcessor>;
  const jobFor = (input: string, out: string): Job => {
    const data: ParseJobData = {
      version: 1,
      batch: 'b',
      input,
      out,
      stem: 'photo',
      outputs: ['labels'],
      alpha: 0.5,
      model: modelRequest(TINY_MODEL, 'fp32'),
      flip: false,
    };
    return { id: 'b-0', data } as unknown as Job;
  };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'faceparse-process-'));
    pool = new ParserPool({ model: modelRequest(TINY_MODEL, 'fp32'), runtime: { threads: 1 } });
    await pool.start();
    process = createProcessor({ pool, refuseDelayMs: 1000 });
  });
  afterAll(async () => {
    await pool?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('fails bad input for good (no retries), with the message the CLI gives', async () => {
    const empty = join(tmp, 'empty.png');
    writeFileSync(empty, '');
    const text = join(tmp, 'text.jpg');
    writeFileSync(text, 'not a photo');
    for (const input of [empty, text, join(tmp, 'missing.jpg')]) {
      const error = await process(jobFor(input, join(tmp, 'out'))).catch((e: unknown) => e);
      expect(error, input).toBeInstanceOf(UnrecoverableError);
    }
    expect(((await process(jobFor(empty, join(tmp, 'out'))).catch((e: unknown) => e)) as Error).message).toMatch(/empty\.png is empty/);
  });

  it('throws other errors as they are, for BullMQ to retry', async () => {
    const out = join(tmp, 'out-is-a-file');
    writeFileSync(out, 'x');
    const error = await process(jobFor(join(GOLDEN_DIR, 'images', 'jpeg_q90.jpg'), out)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/^writing the outputs of .*jpeg_q90\.jpg failed: /);
  });

  it('a good photo is parsed and written', async () => {
    const result = await process(jobFor(join(GOLDEN_DIR, 'images', 'jpeg_q90.jpg'), join(tmp, 'good')));
    expect(result.files).toEqual([join(tmp, 'good', 'photo.labels.png')]);
  });
});
