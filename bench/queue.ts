/**
 * Queue benchmark: photos per second of `faceparse parse` on a folder against the same folder as
 * a queue batch done by 1, 2 and 4 `faceparse worker` processes (on a redis-server started here),
 * as ratios, and the queue's per-job overhead. Everything runs as users run it (the built CLI),
 * in one run, so the ratios hold even on a shared machine whose absolute speed drifts.
 *
 *   npm run build && node dist/bench/queue.js [--faces 40] [--workers 1,2,4] [--model DIR] [--variant q8]
 *       [--outputs labels,color,overlay,json] [--concurrency 1]
 *
 * Faces: the first N val images of ../shared/data/celebamask-mini. The CLI's photos/s leaves out its
 * start (process, model load): it is (N - 1) / (time for N photos - time for 1 photo). Workers are
 * started and ready (model loaded) before the batch is submitted; the batch's time runs from
 * `queue submit` to the end of `queue wait`. Each worker gets max(1, cores / workers) threads, the
 * CLI all cores; --concurrency N gives each worker N jobs at once (and N model sessions, as parse
 * runs a folder). Per-job overhead of the queue (at --concurrency 1): one worker's batch time less the time its jobs
 * report spent parsing and writing, per job (so it holds taking, locking and completing each job,
 * plus the submit and wait commands).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    faces: { type: 'string', default: '40' },
    workers: { type: 'string', default: '1,2,4' },
    model: { type: 'string', default: 'models/face-parsing-mini' },
    variant: { type: 'string', default: 'q8' },
    outputs: { type: 'string', default: 'labels,color,overlay,json' },
    concurrency: { type: 'string', default: '1' },
  },
});
const BIN = resolve('dist/src/cli/main.js');
const cores = availableParallelism();
const valDir = resolve('..', 'shared', 'data', 'celebamask-mini', 'val', 'images');
if (!existsSync(valDir)) {
  console.error(`no faces at ${valDir}: this benchmark reads ../shared (see its README)`);
  process.exit(2);
}
if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.error('redis-server is not installed (apt-get install redis-server)');
  process.exit(2);
}

const tmp = mkdtempSync(join(tmpdir(), 'faceparse-bench-queue-'));
// The faces as their own folder (links, nothing copied), and a one-photo folder for the CLI's start-up cost.
const faces = readdirSync(valDir)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .slice(0, Number(values.faces));
const folder = join(tmp, 'faces');
const single = join(tmp, 'one');
mkdirSync(folder);
mkdirSync(single);
for (const f of faces) symlinkSync(join(valDir, f), join(folder, f));
symlinkSync(join(valDir, faces[0]!), join(single, faces[0]!));
const model = ['--model', values.model!, '--variant', values.variant!];

function run(args: string[]): { seconds: number; stdout: string; stderr: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  if (r.status !== 0) throw new Error(`faceparse ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds: (performance.now() - t) / 1000, stdout: r.stdout, stderr: r.stderr };
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
for (let i = 0; i < 100 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG'; i++)
  await new Promise((r) => setTimeout(r, 50));

function startWorkers(count: number): Promise<ChildProcess[]> {
  const threads = String(Math.max(1, Math.floor(cores / count)));
  return Promise.all(
    Array.from({ length: count }, () => {
      const proc = spawn(process.execPath, [BIN, 'worker', '--redis', url, ...model, '--threads', threads, '--concurrency', values.concurrency!], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, CI: '1' },
      });
      let log = '';
      return new Promise<ChildProcess>((ready, fail) => {
        proc.stderr!.on('data', (d) => {
          log += d;
          if (/ ready: /.test(log)) ready(proc);
        });
        proc.on('exit', (code) => fail(new Error(`worker exited ${code}: ${log}`)));
      });
    }),
  );
}

async function stopWorkers(procs: ChildProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => new Promise((r) => (p.once('exit', r), p.kill('SIGTERM')))));
}

try {
  const outputs = ['--outputs', values.outputs!];
  // The CLI: N photos and 1 photo, before and after the queue runs (the machine's speed drifts); the better of each.
  const cliN: number[] = [];
  const cli1: number[] = [];
  const cliRound = () => {
    cliN.push(run(['parse', folder, '--out', join(tmp, 'cli'), ...outputs, ...model]).seconds);
    cli1.push(run(['parse', single, '--out', join(tmp, 'cli1'), ...outputs, ...model]).seconds);
  };
  cliRound();

  const rows: Array<{ workers: number; seconds: number; rate: number; inJobs: number }> = [];
  for (const count of values.workers!.split(',').map(Number)) {
    const procs = await startWorkers(count);
    const t = performance.now();
    const batch = run(['queue', 'submit', folder, '--redis', url, '--out', join(tmp, `queue${count}`), ...outputs, ...model])
      .stdout.trim()
      .split('\n')
      .at(-1)!;
    run(['queue', 'wait', batch, '--redis', url, '--quiet']);
    const seconds = (performance.now() - t) / 1000;
    await stopWorkers(procs);
    // Time the workers spent inside jobs (parse + write), from the jobs' own return values.
    const status = JSON.parse(run(['queue', 'status', batch, '--redis', url, '--json']).stdout) as { results: Array<{ timings: { total: number } }> };
    const inJobs = status.results.reduce((s, r) => s + r.timings.total, 0) / 1000;
    rows.push({ workers: count, seconds, rate: faces.length / seconds, inJobs });
  }

  cliRound();
  const cliPerPhoto = (Math.min(...cliN) - Math.min(...cli1)) / (faces.length - 1);
  const cliRate = 1 / cliPerPhoto;

  console.log(
    `# faceparse queue vs faceparse parse: ${faces.length} faces (512x512), ${values.model} (${values.variant}), outputs ${values.outputs}, ${cores} cores`,
  );
  console.log(
    `CLI: ${cliRate.toFixed(2)} photos/s (start-up excluded: ${Math.min(...cli1).toFixed(2)} s for one photo, ${Math.min(...cliN).toFixed(2)} s for ${faces.length})`,
  );
  console.log('');
  console.log('| workers | threads each | batch s | photos/s | ratio to CLI |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of rows)
    console.log(
      `| ${r.workers} | ${Math.max(1, Math.floor(cores / r.workers))} | ${r.seconds.toFixed(2)} | ${r.rate.toFixed(2)} | ${(r.rate / cliRate).toFixed(2)} |`,
    );
  const one = rows.find((r) => r.workers === 1);
  if (one) {
    const perJob = (one.seconds / faces.length) * 1000;
    console.log('');
    console.log(`1 worker: ${perJob.toFixed(0)} ms per photo against the CLI's ${(cliPerPhoto * 1000).toFixed(0)} ms`);
    // Jobs in hand overlap at --concurrency > 1, so their times add up to more than the batch's.
    if (values.concurrency === '1') {
      console.log(
        `queue overhead per job (1 worker): ${(((one.seconds - one.inJobs) / faces.length) * 1000).toFixed(1)} ms = (batch time - time inside jobs) / jobs, submit and wait processes included`,
      );
    } else {
      console.log('queue overhead per job: run with --concurrency 1 (jobs overlap here)');
    }
  }
} finally {
  redis.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
