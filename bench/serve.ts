/**
 * Load benchmark of `faceparse serve`: autocannon against the built command on loopback, at 1, 2, 8
 * and 32 concurrent clients, for a 512x512 face and a 1024x1024 photo, each posted as JPEG with
 * `Accept: image/png` (the label PNG back). The machine is shared, so the figures that mean
 * something are the ratios to the library's own time in the same run: `FaceParser.parse` +
 * `toLabelPng` on the same bytes, one at a time, median of --runs, measured in this process just
 * before each cell while the server is idle (same model, threads, and no spinning on both sides,
 * so neither steals the other's cores between runs).
 *
 *   npm run build && node dist/bench/serve.js [--model models/face-parsing-mini] [--variant q8]
 *       [--threads 2] [--sessions N] [--concurrency N] [--queue N] [--clients 1,2,8,32] [--duration 3] [--runs 3]
 *
 * Printed per image and client count: answered 200/s and its ratio to 1000 / library ms (how much of
 * the library's one-at-a-time rate the service delivers), p50/p95/p99 latency of the 200s and their
 * ratios to the library ms, the share of 503s (load shed with Retry-After once the slots and the
 * queue are full), and the server's peak RSS so far (VmHWM). Exit code 1 when the peak RSS after
 * the 8-client runs is 1.5 GB or more, or when any answer was neither 200 nor 503.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import sharp from 'sharp';
import type { ModelVariant } from '../src/base/types.js';
import { FaceParser } from '../src/node/faceParser.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/face-parsing-mini' },
    variant: { type: 'string', default: 'q8' },
    threads: { type: 'string', default: '2' },
    concurrency: { type: 'string' },
    sessions: { type: 'string' },
    queue: { type: 'string' },
    clients: { type: 'string', default: '1,2,8,32' },
    duration: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
  },
});
const clientCounts = values.clients!.split(',').map(Number);
const duration = Number(values.duration);
const RSS_LIMIT = 1.5 * 1024 ** 3;

const shared = resolve('..', 'shared', 'data');
const golden = resolve('tests', 'fixtures', 'golden', 'images', 'jpeg_q90.jpg');

async function inputs(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const valDir = join(shared, 'celebamask-mini', 'val', 'images');
  const photo = join(shared, 'photos', 'pexels-ingrid-santana-2100063.jpg');
  const face = existsSync(valDir)
    ? readFileSync(
        join(
          valDir,
          readdirSync(valDir)
            .filter((f) => f.endsWith('.jpg'))
            .sort()[0]!,
        ),
      )
    : await sharp(golden).resize(512, 512).jpeg({ quality: 90 }).toBuffer();
  const big = await sharp(existsSync(photo) ? photo : golden)
    .resize(1024, 1024, { fit: 'cover' })
    .jpeg({ quality: 90 })
    .toBuffer();
  if (!existsSync(valDir)) console.log('(../shared is absent: the inputs are the golden JPEG resized)');
  return [
    { name: 'face 512x512', bytes: face },
    { name: 'photo 1024x1024', bytes: big },
  ];
}

/** The library's own time for one photo: parse + label PNG, one at a time, median of --runs after a warm-up. */
async function libraryMs(parser: FaceParser, bytes: Buffer): Promise<number> {
  const once = async () => {
    const t = performance.now();
    await (await parser.parse(bytes, { keepLogits: false })).toLabelPng();
    return performance.now() - t;
  };
  await once();
  const runs: number[] = [];
  for (let r = 0; r < Number(values.runs); r++) runs.push(await once());
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]!;
}

interface Served {
  url: string;
  pid: number;
  stop: () => Promise<number | null>;
}

async function startServer(): Promise<Served> {
  const args = [
    'dist/src/cli/main.js',
    'serve',
    '--port',
    '0',
    '--model',
    values.model!,
    '--variant',
    values.variant!,
    '--threads',
    values.threads!,
    '--no-spinning',
    '--log-level',
    'warn',
    '--timeout',
    '120',
  ];
  if (values.concurrency) args.push('--concurrency', values.concurrency);
  if (values.queue) args.push('--queue', values.queue);
  if (values.sessions) args.push('--sessions', values.sessions);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exit = new Promise<number | null>((r) => child.once('exit', r));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolveUrl(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`faceparse serve exited with ${code} before listening`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** Resolves when the server runs and queues nothing. */
async function idle(url: string): Promise<void> {
  for (;;) {
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { running: number; queued: number };
    if (ready.running === 0 && ready.queued === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Peak resident memory of a process in bytes (Linux /proc; NaN elsewhere). */
function peakRss(pid: number): number {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return NaN;
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(status, 'utf8'))?.[1]) * 1024;
}

interface Cell {
  ok: number;
  shed: number;
  other: number;
  okPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  retryAfterSeen: boolean;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function load(url: string, bytes: Buffer, connections: number): Promise<Cell> {
  const okTimes: number[] = [];
  let shed = 0;
  let other = 0;
  let retryAfterSeen = true;
  const started = performance.now();
  await new Promise<void>((done, fail) => {
    const instance = autocannon(
      {
        url: `${url}/v1/parse`,
        method: 'POST',
        body: bytes,
        headers: { 'content-type': 'image/jpeg', accept: 'image/png' },
        connections,
        duration,
        timeout: 120,
        setupClient: (client) => {
          // A 503 must carry Retry-After: checked on every one.
          client.on('headers', (headers: unknown) => {
            const list = headers as { statusCode?: number; headers?: string[] };
            if (list.statusCode === 503 && !(list.headers ?? []).some((h) => /^retry-after$/i.test(h))) retryAfterSeen = false;
          });
        },
      },
      (error) => (error ? fail(error) : done()),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) okTimes.push(ms);
      else if (status === 503) shed++;
      else other++;
    });
  });
  const seconds = (performance.now() - started) / 1000;
  okTimes.sort((a, b) => a - b);
  return {
    ok: okTimes.length,
    shed,
    other,
    okPerSecond: okTimes.length / seconds,
    p50: percentile(okTimes, 50),
    p95: percentile(okTimes, 95),
    p99: percentile(okTimes, 99),
    retryAfterSeen,
  };
}

const images = await inputs();
const parser = await FaceParser.create({ model: values.model, variant: values.variant as ModelVariant, threads: Number(values.threads), spinning: false });
const server = await startServer();
const health = (await (await fetch(`${server.url}/readyz`)).json()) as { concurrency: number; maxQueue: number; model: string; variant: string };
console.log(
  `faceparse serve: ${health.model} (${health.variant}), ${values.threads} threads, ${values.sessions ?? 1} session(s), ${health.concurrency} parse slots, ${health.maxQueue} queue places; ${duration} s per cell`,
);
console.log('library ms = FaceParser.parse + toLabelPng of the same bytes, one at a time, just before the cell');
console.log('');
console.log('| input | clients | library ms | 200/s | x library rate | p50 ms (x lib) | p95 ms (x lib) | p99 ms (x lib) | 503s of answers | peak RSS |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
let failed = false;
let peakAt8 = 0;
for (const connections of clientCounts) {
  for (const image of images) {
    await idle(server.url); // requests cut at the end of the last cell may still be parsing
    const lib = await libraryMs(parser, image.bytes);
    const cell = await load(server.url, image.bytes, connections);
    const rss = peakRss(server.pid);
    if (connections <= 8) peakAt8 = Math.max(peakAt8, rss);
    const answered = cell.ok + cell.shed + cell.other;
    const ratio = (ms: number) => `${ms.toFixed(0)} (${(ms / lib).toFixed(2)})`;
    console.log(
      `| ${image.name} | ${connections} | ${lib.toFixed(0)} | ${cell.okPerSecond.toFixed(2)} | ${(cell.okPerSecond / (1000 / lib)).toFixed(2)} | ${ratio(cell.p50)} | ${ratio(cell.p95)} | ${ratio(cell.p99)} | ` +
        `${cell.shed} of ${answered} | ${(rss / 1024 ** 2).toFixed(0)} MB |`,
    );
    if (cell.other > 0) {
      console.log(`  ${cell.other} answers were neither 200 nor 503`);
      failed = true;
    }
    if (!cell.retryAfterSeen) {
      console.log('  a 503 came without Retry-After');
      failed = true;
    }
  }
}
await parser.close();
const code = await server.stop();
console.log('');
console.log(
  `peak RSS up to 8 clients: ${(peakAt8 / 1024 ** 2).toFixed(0)} MB (limit ${(RSS_LIMIT / 1024 ** 2).toFixed(0)} MB); server exit code after SIGTERM: ${code}`,
);
if (peakAt8 >= RSS_LIMIT || code !== 0) failed = true;
process.exitCode = failed ? 1 : 0;
