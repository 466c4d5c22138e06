/**
 * For the queue tests: a real `redis-server` on a free loopback port (in a temp dir, with or
 * without append-only persistence, restartable), the built CLI run as users run it, and workers
 * as child processes whose logs and exit codes the tests read.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

export const BIN = resolve('dist/src/cli/main.js');

/** Why the queue tests cannot run here, or undefined when they can. */
export const redisMissing: string | undefined =
  spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0
    ? undefined
    : 'redis-server is not installed (apt-get install redis-server): queue tests skipped';
if (redisMissing) console.warn(redisMissing);

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM: with persistence on, it writes the append-only file first). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop, then start again on the same port and data. */
  restart(): Promise<void>;
}

export async function startRedis(options: { persist?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'faceparse-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push(...(options.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let proc: ChildProcess | undefined;
  const ping = () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG';
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async start() {
      proc = spawn('redis-server', args, { stdio: 'ignore' });
      for (let i = 0; i < 100 && !ping(); i++) await sleep(50);
      if (!ping()) throw new Error(`redis-server did not start on port ${port}`);
    },
    async stop() {
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
    async restart() {
      await server.stop();
      await server.start();
    },
  };
  await server.start();
  return server;
}

export function removeRedis(server: RedisServer | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return server.stop().then(() => rmSync(server.dir, { recursive: true, force: true }));
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI, synchronously (for short commands: submit, status, parse). */
export function faceparse(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1', ...env }, timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The built CLI in the background (wait, workers): resolves with its output once it exits. */
export function faceparseAsync(args: string[], env: Record<string, string> = {}): { proc: ChildProcess; done: Promise<Run>; output: () => string } {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Run>((r) => proc.on('close', (code) => r({ code, stdout, stderr })));
  return { proc, done, output: () => stderr };
}

export interface WorkerProcess {
  proc: ChildProcess;
  log: () => string;
  exited: Promise<Run & { signal: NodeJS.Signals | null }>;
  /** Resolves once the worker has loaded its model and listens. */
  ready: Promise<void>;
}

export function startWorker(redisUrl: string, args: string[] = []): WorkerProcess {
  const proc = spawn(process.execPath, [BIN, 'worker', '--redis', redisUrl, ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let markReady: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  proc.stderr!.on('data', (d) => {
    stderr += d;
    if (/ ready: /.test(stderr)) markReady();
  });
  proc.stdout!.on('data', (d) => (stdout += d));
  const exited = new Promise<Run & { signal: NodeJS.Signals | null }>((r) =>
    proc.on('close', (code, signal) => {
      markReady();
      r({ code, signal, stdout, stderr });
    }),
  );
  return { proc, log: () => stderr, exited, ready };
}

/** Polls until `check` is true (or throws after `ms`). */
export async function until(check: () => boolean | Promise<boolean>, ms = 60_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** `count` distinct photo-like JPEGs (smooth gradients with noise), `size` pixels square, in `dir`. */
export async function makePhotos(dir: string, count: number, size = 256): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let n = 0; n < count; n++) {
    const rgb = Buffer.alloc(size * size * 3);
    let seed = n * 7919 + 1;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const i = (y * size + x) * 3;
        rgb[i] = (x * 255) / size + (seed % 32);
        rgb[i + 1] = (y * 255) / size + ((seed >> 5) % 32);
        rgb[i + 2] = ((x + y + n * 13) * 127) / size;
      }
    }
    const path = join(dir, `photo${String(n).padStart(3, '0')}.jpg`);
    await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(path);
    paths.push(path);
  }
  return paths;
}
