/**
 * The cause of the flaky "Redis restart mid-batch" run (one photo's ok line missing): when the
 * connection drops just as a job is marked completed, Redis can apply the completion while its
 * reply is lost. BullMQ retries, finds the job no longer active, and emits no 'completed' event:
 * the job is done once (its outputs written, counted once by status), only its line was lost.
 * Reproduced exactly here by losing the reply of one completion; the worker must still report
 * the job once, from Redis' own record, and nothing is parsed twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { modelRequest } from '../../src/queue/modelIdentity.js';
import { ParserPool } from '../../src/queue/parserPool.js';
import { startWorker } from '../../src/queue/worker.js';
import type { ParseJobData } from '../../src/queue/jobSchema.js';
import { TINY_MODEL } from '../helpers/golden.js';
import { makePhotos, redisMissing, removeRedis, startRedis, until, type RedisServer } from './helpers.js';

describe.skipIf(redisMissing)('a completion whose reply is lost', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'faceparse-lost-reply-'));
  let redis: RedisServer | undefined;
  afterAll(async () => {
    await removeRedis(redis);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is reported once, as Redis has it, and the job is done once', async () => {
    redis = await startRedis();
    const photos = await makePhotos(join(tmp, 'photos'), 3, 96);
    const model = modelRequest(TINY_MODEL, 'fp32');
    const queue = new Queue('parse', { connection: { url: redis.url }, prefix: 'faceparse' });
    // The second job's completion is applied in Redis, then its reply is lost as in a dropped connection.
    const original = Job.prototype.moveToCompleted;
    let lost = 0;
    Job.prototype.moveToCompleted = async function (this: Job, ...args: Parameters<typeof original>) {
      const applied = await original.apply(this, args);
      if (this.id === 'b.1' && lost++ === 0) throw new Error('Connection is closed.');
      return applied;
    };
    const lines: string[] = [];
    const pool = new ParserPool({ model, runtime: { threads: 1 } });
    const worker = await startWorker({ target: { url: redis.url, prefix: 'faceparse' }, pool, log: (line) => lines.push(line) });
    try {
      for (const [i, input] of photos.entries()) {
        const data: ParseJobData = {
          version: 1,
          batch: 'b',
          input,
          out: join(tmp, 'out'),
          stem: `p${i}`,
          outputs: ['labels'],
          alpha: 0.5,
          flip: false,
          faces: 'off',
          model: { key: model.key, source: model.source, variant: 'fp32' },
        };
        await queue.add('parse', data, { jobId: `b.${i}`, attempts: 3 });
      }
      await until(async () => (await queue.getJobCounts('completed')).completed === 3, 60_000, 'three completed jobs');
      await worker.close();
      expect(lost).toBe(1);
      const ok = lines.filter((l) => l.startsWith('ok '));
      expect(ok.map((l) => /^ok (\S+)/.exec(l)![1]).sort()).toEqual([...photos].sort());
      const second = await Job.fromId(queue, 'b.1');
      expect(second!.attemptsStarted).toBe(1); // parsed once
    } finally {
      Job.prototype.moveToCompleted = original;
      await queue.close();
    }
  }, 120_000);
});
