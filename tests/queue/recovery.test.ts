/**
 * Nothing lost, nothing done twice: a worker SIGKILLed mid-batch (its jobs return to the queue by
 * BullMQ's stalled-job check, made fast here with --lock-duration/--stalled-interval), and Redis
 * restarted mid-batch with append-only persistence on.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TINY_MODEL } from '../helpers/golden.js';
import {
  faceparse,
  faceparseAsync,
  makePhotos,
  redisMissing,
  removeRedis,
  startRedis,
  startWorker,
  until,
  type RedisServer,
  type WorkerProcess,
} from './helpers.js';

const MODEL = ['--model', TINY_MODEL, '--variant', 'fp32', '--threads', '1'];
const FAST_RECOVERY = ['--lock-duration', '2000', '--stalled-interval', '1000'];
const OUTPUTS = ['labels', 'color', 'json'];

const okLines = (log: string) => [...log.matchAll(/ ok (\S+) -> /g)].map((m) => m[1]!);

/** Every photo's outputs and nothing else (no half-written file under its final name). */
function expectExactOutputs(out: string, photos: string[]): void {
  const expected = photos.flatMap((p) => OUTPUTS.map((k) => `${basename(p, '.jpg')}.${k === 'json' ? 'json' : `${k}.png`}`)).sort();
  expect(
    readdirSync(out)
      .filter((f) => !f.endsWith('.faceparse-tmp'))
      .sort(),
  ).toEqual(expected);
}

// These run whole batches through real processes: under a loaded CI machine they need more than the default 120 s.
describe.skipIf(redisMissing)('faceparse queue: recovery', { timeout: 300_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'faceparse-recovery-'));
  let redis: RedisServer | undefined;
  const workers: WorkerProcess[] = [];

  afterEach(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    workers.length = 0;
    await removeRedis(redis);
    redis = undefined;
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a worker SIGKILLed mid-batch loses nothing and duplicates nothing', async () => {
    redis = await startRedis();
    const photos = await makePhotos(join(tmp, 'kill'), 24, 480);
    const out = join(tmp, 'kill-out');
    const doomed = startWorker(redis.url, [...MODEL, ...FAST_RECOVERY, '--concurrency', '2']);
    const steady = startWorker(redis.url, [...MODEL, ...FAST_RECOVERY]);
    workers.push(doomed, steady);
    await Promise.all([doomed.ready, steady.ready]);
    const submit = faceparse([
      'queue',
      'submit',
      join(tmp, 'kill'),
      '--out',
      out,
      '--outputs',
      OUTPUTS.join(','),
      '--model',
      TINY_MODEL,
      '--variant',
      'fp32',
      '--redis',
      redis.url,
    ]);
    expect(submit.code, submit.stderr).toBe(0);
    const batch = submit.stdout.trim().split('\n').at(-1)!;

    // After its first results, with two jobs in hand, the worker dies without a word.
    await until(() => okLines(doomed.log()).length >= 2, 60_000, 'the first results');
    doomed.proc.kill('SIGKILL');
    const killed = await doomed.exited;
    expect(killed.signal).toBe('SIGKILL');
    const replacement = startWorker(redis.url, [...MODEL, ...FAST_RECOVERY]);
    workers.push(replacement);

    const wait = faceparseAsync(['queue', 'wait', batch, '--redis', redis.url, '--timeout', '240']);
    const waited = await wait.done;
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toMatch(/24 jobs: 24 completed, 0 failed/);

    // The jobs it held came back (stalled) and were done by the others.
    await until(() => /stalled/.test(steady.log() + replacement.log()), 10_000, 'a stalled job in the logs');
    await replacement.ready;
    for (const w of [steady, replacement]) w.proc.kill('SIGTERM');
    const survivors = await Promise.all([steady, replacement].map((w) => w.exited));
    for (const e of survivors) expect(e.code, e.stderr).toBe(0);
    // Each photo completed exactly once: one result per photo in Redis, no photo reported done twice
    // (the killed worker's last line may be lost with it, so its log is only checked for repeats).
    const status = JSON.parse(faceparse(['queue', 'status', batch, '--json', '--redis', redis.url]).stdout);
    expect(status).toMatchObject({ total: 24, completed: 24, failed: 0, waiting: 0, active: 0 });
    expect(status.results.map((r: { input: string }) => r.input).sort()).toEqual([...photos].sort());
    const reported = [killed.stderr, ...survivors.map((e) => e.stderr)].flatMap(okLines);
    expect(new Set(reported).size).toBe(reported.length);
    const byWorker = new Map(survivors.map((e) => [/ worker (\S+) ready/.exec(e.stderr)![1]!, okLines(e.stderr)]));
    for (const r of status.results as Array<{ input: string; worker: string }>) {
      if (byWorker.has(r.worker)) expect(byWorker.get(r.worker)).toContain(r.input);
    }
    expectExactOutputs(out, photos);
  });

  it('a Redis restart mid-batch (append-only file on) loses nothing', async () => {
    redis = await startRedis({ persist: true });
    const photos = await makePhotos(join(tmp, 'restart'), 20, 480);
    const out = join(tmp, 'restart-out');
    const worker = startWorker(redis.url, MODEL);
    workers.push(worker);
    await worker.ready;
    const submit = faceparse([
      'queue',
      'submit',
      join(tmp, 'restart'),
      '--out',
      out,
      '--outputs',
      OUTPUTS.join(','),
      '--model',
      TINY_MODEL,
      '--variant',
      'fp32',
      '--redis',
      redis.url,
    ]);
    expect(submit.code, submit.stderr).toBe(0);
    const batch = submit.stdout.trim().split('\n').at(-1)!;
    // `wait` is already running when Redis goes away, and rides it out.
    const wait = faceparseAsync(['queue', 'wait', batch, '--redis', redis.url, '--timeout', '240']);

    await until(() => okLines(worker.log()).length >= 3, 60_000, 'the first results');
    await redis.restart();
    const waited = await wait.done;
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toMatch(/20 jobs: 20 completed, 0 failed/);

    worker.proc.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toMatch(/lost the connection to Redis[\s\S]*reconnected to Redis/); // it saw the outage
    expect(okLines(exit.stderr).sort()).toEqual([...photos].sort());
    const status = JSON.parse(faceparse(['queue', 'status', batch, '--json', '--redis', redis.url]).stdout);
    expect(status).toMatchObject({ total: 20, completed: 20, failed: 0 });
    expectExactOutputs(out, photos);
  });
});
