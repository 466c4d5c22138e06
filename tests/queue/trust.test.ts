/**
 * Workers trust no job: jobs added straight to Redis (as anyone who can write to it could) are
 * checked by the worker itself. With --allow-root, a submitted job inside the roots is parsed;
 * injected jobs that read outside them (also through a link inside a root), write outside them,
 * overwrite their input or a file no worker wrote are failed at once (one attempt) with a message
 * naming the root; a re-run of a batch replaces its own outputs. With a job secret, unsigned or
 * altered jobs are refused and signed ones parsed.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJob } from '../../src/queue/jobAccess.js';
import type { ParseJobData } from '../../src/queue/jobSchema.js';
import { modelRequest } from '../../src/queue/modelIdentity.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';
import { faceparse, redisMissing, removeRedis, startRedis, startWorker, until, type RedisServer, type WorkerProcess } from './helpers.js';

const MODEL = ['--model', TINY_MODEL, '--variant', 'fp32'];
const PHOTO = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
const PNG_PHOTO = join(GOLDEN_DIR, 'images/exact_png.png');

describe.skipIf(redisMissing)('workers trust no job', () => {
  let redis: RedisServer;
  let tmp: string;
  let root: string;
  let outside: string;
  let queue: Queue;
  const workers: WorkerProcess[] = [];
  const q = (...args: string[]) => faceparse(['queue', ...args, '--redis', redis.url]);
  let n = 0;

  /** Adds a job straight to Redis, as another program could; resolves to its final state and error. */
  async function inject(data: Partial<ParseJobData>): Promise<{ state: string; reason: string; attempts: number }> {
    const model = modelRequest(TINY_MODEL, 'fp32');
    const job = await queue.add(
      'parse',
      {
        version: 1,
        batch: 'injected',
        outputs: ['labels', 'overlay', 'json'],
        alpha: 0,
        flip: false,
        faces: 'off',
        model: { key: model.key, source: model.source, variant: 'fp32' },
        stem: `s${n}`,
        ...data,
      },
      { jobId: `injected.${n++}`, attempts: 3, backoff: { type: 'fixed', delay: 100 } },
    );
    let state = '';
    await until(async () => ['completed', 'failed'].includes((state = await job.getState())), 60_000, `job ${job.id} to end`);
    const fresh = (await queue.getJob(job.id!))!;
    return { state, reason: fresh.failedReason ?? '', attempts: fresh.attemptsMade };
  }

  beforeAll(async () => {
    redis = await startRedis();
    tmp = mkdtempSync(join(tmpdir(), 'faceparse-trust-'));
    root = join(tmp, 'root');
    outside = join(tmp, 'outside');
    mkdirSync(join(root, 'photos'), { recursive: true });
    mkdirSync(outside);
    copyFileSync(PHOTO, join(root, 'photos', 'a.jpg'));
    copyFileSync(PHOTO, join(outside, 'secret.jpg'));
    chmodSync(join(outside, 'secret.jpg'), 0o600);
    symlinkSync(outside, join(root, 'link'));
    queue = new Queue('parse', { connection: { url: redis.url }, prefix: 'faceparse' });
    workers.push(startWorker(redis.url, [...MODEL, '--threads', '1', '--allow-root', root]));
    await workers[0]!.ready;
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
    await queue?.close();
    await removeRedis(redis);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a submitted batch inside the roots is parsed, and parsed again over its own outputs', async () => {
    expect(workers[0]!.log()).toMatch(/jobs may read and write only under .*root/);
    for (let run = 0; run < 2; run++) {
      const submit = q('submit', join(root, 'photos'), '--out', join(root, 'out'), '--outputs', 'labels,overlay,json', ...MODEL);
      expect(submit.code, submit.stderr).toBe(0);
      const wait = q('wait', submit.stdout.trim().split('\n').at(-1)!, '--timeout', '120');
      expect(wait.code, wait.stderr).toBe(0);
    }
    expect(existsSync(join(root, 'out', 'a.labels.png'))).toBe(true);
  });

  it('refuses injected jobs that read outside the roots, directly or through a link', async () => {
    for (const input of [join(outside, 'secret.jpg'), join(root, 'link', 'secret.jpg'), join(root, 'photos', '..', '..', 'outside', 'secret.jpg')]) {
      const ended = await inject({ input, out: join(root, 'stolen') });
      expect(ended.state, input).toBe('failed');
      expect(ended.attempts).toBe(1);
      expect(ended.reason).toMatch(new RegExp(`refusing to read .*outside the allowed root ${root}`));
    }
    expect(existsSync(join(root, 'stolen'))).toBe(false);
  });

  it('refuses injected jobs that write outside the roots, directly or through a link', async () => {
    for (const out of [outside, join(root, 'link'), join(root, 'link', 'deeper')]) {
      const ended = await inject({ input: join(root, 'photos', 'a.jpg'), out });
      expect(ended.state, out).toBe('failed');
      expect(ended.attempts).toBe(1);
      expect(ended.reason).toMatch(new RegExp(`refusing to write to .*outside the allowed root ${root}`));
    }
    const viaStem = await inject({ input: join(root, 'photos', 'a.jpg'), out: root, stem: 'link/x' });
    expect(viaStem.state).toBe('failed');
    expect(viaStem.reason).toMatch(/outside the allowed root|is a link/);
    expect(readFileSync(join(outside, 'secret.jpg')).length).toBeGreaterThan(0);
    expect((await import('node:fs')).readdirSync(outside)).toEqual(['secret.jpg']);
  });

  it('refuses injected jobs that overwrite their input or a file no worker wrote', async () => {
    const victims = join(root, 'victims');
    mkdirSync(victims);
    // Its own input: a PNG photo named like an overlay, parsed with stem p (alpha 0: the overlay is the photo itself).
    copyFileSync(PNG_PHOTO, join(victims, 'p.overlay.png'));
    const before = readFileSync(join(victims, 'p.overlay.png'));
    const own = await inject({ input: join(victims, 'p.overlay.png'), out: victims, stem: 'p', outputs: ['overlay'] });
    expect(own.state).toBe('failed');
    expect(own.attempts).toBe(1);
    expect(own.reason).toMatch(/refusing to write .*p\.overlay\.png: it is this job's input/);
    // Another photo's file, named like an output of this one.
    copyFileSync(PNG_PHOTO, join(victims, 'q.overlay.png'));
    const other = await inject({ input: join(root, 'photos', 'a.jpg'), out: victims, stem: 'q', outputs: ['overlay'] });
    expect(other.state).toBe('failed');
    expect(other.reason).toMatch(/refusing to write .*q\.overlay\.png: a file is there that no faceparse worker wrote/);
    expect(readFileSync(join(victims, 'p.overlay.png')).equals(before)).toBe(true);
    expect(readFileSync(join(victims, 'q.overlay.png')).equals(readFileSync(PNG_PHOTO))).toBe(true);
  });

  it('refuses malformed jobs at once', async () => {
    const bad = await inject({ input: join(root, 'photos', 'a.jpg'), out: join(root, 'out2'), scales: Array.from({ length: 1000 }, (_, i) => 1 + i) });
    expect(bad.state).toBe('failed');
    expect(bad.attempts).toBe(1);
    expect(bad.reason).toMatch(/not a faceparse parse job \(scales/);
  });

  it('with a job secret: unsigned and altered jobs are refused, signed ones parsed', async () => {
    const secretFile = join(tmp, 'secret');
    writeFileSync(secretFile, 'a-long-shared-secret-for-tests\n');
    const signed = startWorker(redis.url, [...MODEL, '--threads', '1', '--allow-root', root, '--job-secret-file', secretFile, '--prefix', 'signed']);
    workers.push(signed);
    await signed.ready;
    const signedQueue = new Queue('parse', { connection: { url: redis.url }, prefix: 'signed' });
    try {
      const model = modelRequest(TINY_MODEL, 'fp32');
      const data: ParseJobData = {
        version: 1,
        batch: 'b',
        input: join(root, 'photos', 'a.jpg'),
        out: join(root, 'signed-out'),
        stem: 'a',
        outputs: ['labels'],
        alpha: 0.5,
        flip: false,
        model: { key: model.key, source: model.source, variant: 'fp32' },
      };
      const end = async (payload: unknown, id: string) => {
        const job = await signedQueue.add('parse', payload, { jobId: id, attempts: 3 });
        let state = '';
        await until(async () => ['completed', 'failed'].includes((state = await job.getState())), 60_000, `job ${id}`);
        return { state, reason: (await signedQueue.getJob(id))!.failedReason ?? '' };
      };
      expect(await end(data, 'unsigned')).toMatchObject({ state: 'failed', reason: expect.stringMatching(/not signed/) });
      const signature = signJob(data, 'a-long-shared-secret-for-tests');
      expect(await end({ ...data, out: join(root, 'elsewhere'), signature }, 'altered')).toMatchObject({
        state: 'failed',
        reason: expect.stringMatching(/signature is not valid/),
      });
      expect((await end({ ...data, signature }, 'signed')).state).toBe('completed');
      expect(existsSync(join(root, 'signed-out', 'a.labels.png'))).toBe(true);
      const submit = faceparse([
        'queue',
        'submit',
        join(root, 'photos'),
        '--out',
        join(root, 'signed-cli'),
        ...MODEL,
        '--redis',
        redis.url,
        '--prefix',
        'signed',
        '--job-secret-file',
        secretFile,
      ]);
      expect(submit.code, submit.stderr).toBe(0);
      const wait = faceparse(['queue', 'wait', submit.stdout.trim().split('\n').at(-1)!, '--timeout', '120', '--redis', redis.url, '--prefix', 'signed']);
      expect(wait.code, wait.stderr).toBe(0);
    } finally {
      await signedQueue.close();
    }
  });

  it('a root that does not exist stops the worker before it loads the model', () => {
    const run = faceparse(['worker', '--redis', redis.url, ...MODEL, '--allow-root', join(tmp, 'missing')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--allow-root .*missing does not exist/);
  });
});
