/**
 * A batch through the real queue: `faceparse queue submit` to a redis-server started here, two
 * `faceparse worker` processes, `faceparse queue wait/status/list/retry/clean`, and the outputs
 * compared file by file with what `faceparse parse` writes for the same folder.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREFIX } from '../../src/queue/connection.js';
import { openQueue } from '../../src/queue/session.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';
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

const MODEL = ['--model', TINY_MODEL, '--variant', 'fp32'];
const ALL_OUTPUTS = 'labels,color,overlay,masks,json,confidence';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** A JSON output without its timings (the only part that differs from run to run). */
function jsonWithoutTimings(path: string): unknown {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  delete json.timings;
  return json;
}

describe.skipIf(redisMissing)('faceparse queue: a batch over two workers', () => {
  let redis: RedisServer;
  let tmp: string;
  let photos: string;
  const workers: WorkerProcess[] = [];
  const q = (...args: string[]) => faceparse(['queue', ...args, '--redis', redis.url]);

  beforeAll(async () => {
    redis = await startRedis();
    tmp = mkdtempSync(join(tmpdir(), 'faceparse-queue-'));
    photos = join(tmp, 'photos');
    // Real photos of odd kinds (EXIF rotation, 16-bit, alpha, grey), generated ones in a sub-folder, and bad files.
    for (const name of ['jpeg_q90.jpg', 'exif_orientation6_jpeg.jpg', 'rgba_png.png', 'gray16_png.png', 'extreme_aspect_png.png']) {
      mkdirSync(photos, { recursive: true });
      copyFileSync(join(GOLDEN_DIR, 'images', name), join(photos, name));
    }
    await makePhotos(join(photos, 'more'), 6, 200);
    writeFileSync(join(photos, 'empty.png'), '');
    writeFileSync(join(photos, 'text.jpg'), 'not a photo');
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
    await removeRedis(redis);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('equals faceparse parse byte for byte, bad files end failed with the CLI message, wait exits 1, workers exit 0 on SIGTERM', async () => {
    workers.push(startWorker(redis.url, [...MODEL, '--threads', '1']), startWorker(redis.url, [...MODEL, '--threads', '1']));
    await Promise.all(workers.map((w) => w.ready));

    const queued = join(tmp, 'queued');
    const submit = q('submit', photos, '--out', queued, '--outputs', ALL_OUTPUTS, ...MODEL, '--name', 'golden');
    expect(submit.code, submit.stderr).toBe(0);
    const batch = submit.stdout.trim().split('\n').at(-1)!;
    expect(batch).toMatch(/^[a-z0-9-]+$/);

    const wait = q('wait', batch, '--timeout', '120');
    expect(wait.code, wait.stderr).toBe(1);
    expect(wait.stderr).toMatch(/13 jobs: 11 completed, 2 failed, 0 waiting, 0 active/);
    expect(wait.stderr).not.toMatch(/[\r\u001b]/); // plain lines without a terminal

    const cliOut = join(tmp, 'cli');
    // default flags on both sides: faces 'auto', as a user runs them
    const cli = faceparse(['parse', photos, '--out', cliOut, '--outputs', ALL_OUTPUTS, ...MODEL, '--threads', '1']);
    expect(cli.code).toBe(1);

    // The same files, the same bytes (the JSON's timings aside).
    const files = filesUnder(cliOut);
    expect(files.length).toBeGreaterThan(11 * 5);
    expect(filesUnder(queued)).toEqual(files);
    for (const file of files) {
      if (file.endsWith('.json')) expect(jsonWithoutTimings(join(queued, file)), file).toEqual(jsonWithoutTimings(join(cliOut, file)));
      else expect(readFileSync(join(queued, file)).equals(readFileSync(join(cliOut, file))), file).toBe(true);
    }
    expect(files).toContain(join('more', 'photo000.labels.png'));

    // Bad files: failed at once (one attempt), with the message the CLI prints.
    const status = JSON.parse(q('status', batch, '--json').stdout);
    expect(status).toMatchObject({ batch, name: 'golden', total: 13, waiting: 0, active: 0, completed: 11, failed: 2 });
    const failures = (status.failures as Array<{ input: string; error: string }>).sort((a, b) => a.input.localeCompare(b.input));
    expect(failures.map((f) => f.input)).toEqual([join(photos, 'empty.png'), join(photos, 'text.jpg')]);
    for (const f of failures) expect(cli.stderr).toContain(`error: ${f.error}`);
    expect(failures[0]!.error).toMatch(/empty\.png is empty/);
    // ...and not retried: one attempt each (submit's --attempts, 3 by default, are for other errors), none logged as retried.
    const session = await openQueue({ url: redis.url, prefix: DEFAULT_PREFIX });
    try {
      const failedJobs = (await session.queue.getFailed()).filter((job) => job.data.batch === batch);
      expect(failedJobs.map((job) => [job.data.input, job.attemptsMade, job.opts.attempts]).sort()).toEqual([
        [join(photos, 'empty.png'), 1, 3],
        [join(photos, 'text.jpg'), 1, 3],
      ]);
    } finally {
      await session.close();
    }
    for (const w of workers) expect(w.log()).not.toMatch(/(empty\.png|text\.jpg) \(attempt/);
    // Summaries of the completed jobs: per-class pixels add up to the photo, timings per stage, both workers used.
    expect(status.results).toHaveLength(11);
    for (const r of status.results) {
      expect(Object.values(r.pixels as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(r.width * r.height);
      expect(Object.keys(r.timings).sort()).toEqual(['decode', 'detect', 'encode', 'inference', 'postprocess', 'preprocess', 'total']);
    }
    expect(new Set(status.results.map((r: { worker: string }) => r.worker)).size).toBe(2);
    const text = q('status', batch);
    expect(text.stdout).toMatch(/^total: 13$/m);
    expect(text.stdout).toMatch(/^completed: 11$/m);
    expect(text.stdout).toMatch(/^failed: 2$/m);
    expect(text.stdout).toContain(`${join(photos, 'text.jpg')}: `);

    // Workers finish and exit 0 on SIGTERM.
    for (const w of workers) w.proc.kill('SIGTERM');
    for (const w of workers) {
      const exit = await w.exited;
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.stderr).toMatch(/SIGTERM: finishing/);
    }
    workers.length = 0;
  });

  it('wait: exit 0 when all completed, 1 at --timeout; retry, list and clean', async () => {
    const good = join(tmp, 'good');
    await makePhotos(good, 3, 160);
    const out = join(tmp, 'good-out');
    const submit = q('submit', join(good, '*.jpg'), '--out', out, '--outputs', 'labels', ...MODEL);
    expect(submit.code, submit.stderr).toBe(0);
    const batch = submit.stdout.trim().split('\n').at(-1)!;

    // No worker yet: nothing moves, wait gives up at the timeout.
    const early = q('wait', batch, '--timeout', '1');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/3 waiting.*gave up after --timeout 1 s/);
    expect(JSON.parse(q('status', batch, '--json').stdout)).toMatchObject({ total: 3, waiting: 3, completed: 0 });

    const worker = startWorker(redis.url, [...MODEL, '--threads', '1']);
    workers.push(worker);
    const waited = faceparseAsync(['queue', 'wait', batch, '--redis', redis.url, '--timeout', '60']);
    const result = await waited.done;
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['photo000.labels.png', 'photo001.labels.png', 'photo002.labels.png']);

    // retry: a failed job (its photo was bad, then fixed) runs again and the batch ends completed.
    const fixable = join(tmp, 'fixable');
    mkdirSync(fixable);
    writeFileSync(join(fixable, 'late.jpg'), 'not yet');
    const second = q('submit', fixable, '--out', out, '--outputs', 'labels', ...MODEL);
    const batch2 = second.stdout.trim().split('\n').at(-1)!;
    expect(q('wait', batch2, '--timeout', '60').code).toBe(1);
    copyFileSync(join(good, 'photo000.jpg'), join(fixable, 'late.jpg'));
    const retry = q('retry', batch2);
    expect(retry.stdout).toMatch(/retried 1 failed job/);
    expect(q('wait', batch2, '--timeout', '60').code).toBe(0);
    expect(JSON.parse(q('status', batch2, '--json').stdout)).toMatchObject({ total: 1, completed: 1, failed: 0, failures: [] });
    expect(existsSync(join(out, 'late.labels.png'))).toBe(true);

    const list = q('list', '--json');
    const listed = (JSON.parse(list.stdout) as Array<{ batch: string }>).map((b) => b.batch);
    expect(listed).toEqual(expect.arrayContaining([batch, batch2]));
    const clean = q('clean');
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`removed batch ${batch} (3 jobs)`);
    const after = q('status', batch);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/no batch .* faceparse queue list/);
    expect(existsSync(join(out, 'photo000.labels.png'))).toBe(true); // outputs stay

    worker.proc.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
    workers.length = 0;
  });

  it('errors other than bad input are retried with back-off, then the job fails with the last error', async () => {
    const dir = join(tmp, 'unwritable');
    await makePhotos(dir, 1, 96);
    // submit checks --out as parse does: a file there is one error line, and no batch.
    writeFileSync(join(tmp, 'a-file'), 'x');
    const refused = q('submit', dir, '--out', join(tmp, 'a-file'), '--outputs', 'labels', ...MODEL);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--out .*a-file is a file, not a folder/);
    expect(refused.stdout).toBe('');
    // The out folder turns into a file after submit (a mount gone wrong): every write fails, whatever the photo.
    const out = join(tmp, 'vanishing-out');
    const submit = q('submit', dir, '--out', out, '--outputs', 'labels', ...MODEL, '--attempts', '3', '--backoff', '100');
    expect(submit.code, submit.stderr).toBe(0);
    const batch = submit.stdout.trim().split('\n').at(-1)!;
    rmSync(out, { recursive: true });
    writeFileSync(out, 'x');
    const worker = startWorker(redis.url, [...MODEL, '--threads', '1']);
    workers.push(worker);
    const started = Date.now();
    expect(q('wait', batch, '--timeout', '60').code).toBe(1);
    expect(Date.now() - started).toBeGreaterThan(300); // waited 100 + 200 ms between the tries
    const status = JSON.parse(q('status', batch, '--json').stdout);
    expect(status).toMatchObject({ total: 1, failed: 1 });
    expect(status.failures[0].error).toMatch(/^writing the outputs of .*photo000\.jpg failed: /);
    await until(
      () => (worker.log().match(/ error .*photo000\.jpg \(attempt \d of 3, retried after a back-off\)/g) ?? []).length === 2,
      10_000,
      'two retries in the log',
    );
    expect(worker.log()).toMatch(/ failed .*photo000\.jpg: writing the outputs/);
    worker.proc.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    workers.length = 0;
  });

  it('a worker refuses jobs for another model (they wait); an --any-model worker takes them', async () => {
    const own = startWorker(redis.url, [...MODEL, '--threads', '1']);
    workers.push(own);
    await own.ready;
    const dir = join(tmp, 'other-model');
    await makePhotos(dir, 1, 128);
    // No --model: the embedded model, which this worker does not run.
    const submit = q('submit', dir, '--out', join(tmp, 'other-out'), '--outputs', 'labels');
    expect(submit.code, submit.stderr).toBe(0);
    const batch = submit.stdout.trim().split('\n').at(-1)!;
    const early = q('wait', batch, '--timeout', '3');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/1 job: 0 completed, 0 failed, .*gave up/); // waiting (or, for a moment, being refused)
    // (the worker's log is read by this process's event loop, which spawnSync held up)
    await until(() => /refusing/.test(own.log()), 10_000, 'the refusal in the worker log');
    expect(own.log()).toMatch(
      /refusing jobs for the embedded model: this worker runs .*tiny-segformer with --variant fp32; start a worker with no --model \(the embedded model\) and no --variant, or one with --any-model/,
    );
    const any = startWorker(redis.url, [...MODEL, '--threads', '1', '--any-model']);
    workers.push(any);
    const done = q('wait', batch, '--timeout', '90');
    expect(done.code, done.stderr).toBe(0);
    for (const w of [own, any]) w.proc.kill('SIGTERM');
    for (const w of [own, any]) expect((await w.exited).code).toBe(0);
    workers.length = 0;
  });

  it('regions and label sets: the files faceparse parse writes; a region the model lacks fails the job at once', async () => {
    const few = join(tmp, 'regions-in');
    await makePhotos(few, 2, 180);
    const flags = ['--region', 'face', '--region', 'lips=u_lip,l_lip', '--grow', '3', '--feather', '4', '--label-set', 'lapa', '--outputs', 'labels,json'];
    const worker = startWorker(redis.url, [...MODEL, '--threads', '1']);
    await worker.ready;
    const queued = join(tmp, 'regions-queued');
    const submit = q('submit', few, '--out', queued, ...flags, ...MODEL);
    expect(submit.code, submit.stderr).toBe(0);
    const batch = submit.stdout.trim().split('\n').at(-1)!;
    expect(q('wait', batch, '--timeout', '120').code).toBe(0);
    const cliOut = join(tmp, 'regions-cli');
    const cli = faceparse(['parse', few, '--out', cliOut, ...flags, ...MODEL, '--threads', '1']);
    expect(cli.code, cli.stderr).toBe(0);
    const files = filesUnder(cliOut);
    expect(files.filter((f) => f.includes('.region-'))).toEqual([
      'photo000.region-face.png',
      'photo000.region-lips.png',
      'photo001.region-face.png',
      'photo001.region-lips.png',
    ]);
    expect(filesUnder(queued)).toEqual(files);
    for (const file of files) {
      if (file.endsWith('.json')) expect(jsonWithoutTimings(join(queued, file)), file).toEqual(jsonWithoutTimings(join(cliOut, file)));
      else expect(readFileSync(join(queued, file)).equals(readFileSync(join(cliOut, file))), file).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(queued, 'photo000.json'), 'utf8'))).toMatchObject({ labelSet: 'lapa' });
    // syntax is checked at submit; names against the worker's model when it takes the job: failed at once, no retries
    expect(q('submit', few, '--out', queued, '--region', 'x=', ...MODEL).stderr).toMatch(/--region "x=": give a preset/);
    const bad = q('submit', few, '--out', join(tmp, 'regions-bad'), '--region', 'beard', '--attempts', '3', ...MODEL);
    const badBatch = bad.stdout.trim().split('\n').at(-1)!;
    expect(q('wait', badBatch, '--timeout', '120').code).toBe(1);
    const status = JSON.parse(q('status', badBatch, '--json').stdout);
    expect(status.failed).toBe(2);
    for (const f of status.failures as Array<{ error: string }>) expect(f.error).toMatch(/--region beard: no class or preset "beard"/);
    worker.proc.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });

  it('a worker stopped while it loads its model exits 0 without taking a job', async () => {
    const worker = startWorker(redis.url, [...MODEL, '--threads', '1']);
    await until(() => /worker starting: loading/.test(worker.log()), 10_000, 'the worker starting');
    worker.proc.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toMatch(/SIGTERM while (starting|connecting)|SIGTERM: finishing 0 jobs/);
  });

  it('needs a Redis URL, and says so', () => {
    const run = faceparse(['queue', 'status', 'abc'], { FACEPARSE_REDIS_URL: '' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no Redis given: pass --redis/);
    const down = faceparse(['queue', 'list', '--redis', 'redis://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1: .*check --redis/);
  });
});
