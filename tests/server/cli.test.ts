/**
 * The built `faceparse serve`, run as users run it (needs `npm run build`): it prints its URL,
 * answers the CLI's exact label PNG with the realistic model, sheds load with 503 + Retry-After
 * under 8 parallel clients with its memory bounded, and on SIGTERM finishes the requests in
 * flight and exits 0.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { canReadMaps, nativeLibrariesOf } from '../helpers/nativeLibraries.js';
import { postImage, TINY_MODEL, until } from './helpers.js';

const BIN = resolve('dist/src/cli/main.js');
const MINI_MODEL = resolve('models/face-parsing-mini');
const VAL_FACES = resolve('..', 'shared', 'data', 'celebamask-mini', 'val', 'images');
const BIG_PHOTO = resolve('..', 'shared', 'data', 'photos', 'pexels-kevin-bidwell-2380794.jpg');
const tmp = mkdtempSync(join(tmpdir(), 'faceparse-serve-cli-'));
const running: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Spawns `faceparse serve --port 0 ...` and waits for the printed URL. */
async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: { ...process.env, CI: '1' } });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await until(() => /listening on http:\/\/\S+/.test(stdout) || child.exitCode !== null, 60_000, 'the URL to be printed');
  const url = /listening on (http:\/\/[^\s]+)/.exec(stdout)?.[1];
  if (!url) throw new Error(`faceparse serve did not start:\n${stderr}`);
  return { child, url, stdout: () => stdout, stderr: () => stderr, exit };
}

/** Peak resident memory of a process (Linux), in bytes; NaN elsewhere. */
const peakRss = (pid: number) => {
  const status = `/proc/${pid}/status`;
  return existsSync(status) ? Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(status, 'utf8'))?.[1]) * 1024 : NaN;
};

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('faceparse serve (the command)', () => {
  it.skipIf(!canReadMaps)('faceparse serve --help loads neither onnxruntime nor libvips', () => {
    const run = nativeLibrariesOf([BIN, 'serve', '--help']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('--api-key');
    expect(run.libraries).toEqual([]);
  });

  it('bad flags fail with one clear line and exit 1', () => {
    const port = spawnSync(process.execPath, [BIN, 'serve', '--port', '70000', '--model', TINY_MODEL], { encoding: 'utf8' });
    expect(port.status).toBe(1);
    expect(port.stderr).toMatch(/--port: expected an integer from 0 to 65535, got '70000'/);
    const keys = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--model', TINY_MODEL, '--api-key-file', join(tmp, 'missing-keys')], {
      encoding: 'utf8',
    });
    expect(keys.status).toBe(1);
    expect(keys.stderr).toMatch(/cannot read the API key file/);
  });

  it('SIGTERM with requests in flight: they finish with 200, the port closes, exit code 0', async () => {
    const served = await serve(['--model', TINY_MODEL, '--variant', 'fp32', '--threads', '1', '--concurrency', '1', '--queue', '4', '--log-level', 'warn']);
    expect(served.stdout()).toMatch(/^faceparse serve listening on http:\/\/127\.0\.0\.1:\d+\n/);
    // Slow enough to be caught in flight: 1024 x 1024, flipped, at three scales.
    const photo = await sharp(join(GOLDEN_DIR, 'images/jpeg_q90.jpg')).resize(1024, 1024).png().toBuffer();
    const requests = [0, 1, 2].map(() => postImage(served.url, photo, { accept: 'image/png', query: 'flip=true&scales=1,1.5,2' }));
    await until(
      async () => {
        const text = await (await fetch(`${served.url}/metrics`)).text();
        return metric(text, 'faceparse_parses_in_flight') + metric(text, 'faceparse_requests_queued') === 3;
      },
      30_000,
      'three requests in flight',
    );
    served.child.kill('SIGTERM');
    const answers = await Promise.all(requests);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const a of answers)
      expect(
        Buffer.from(await a.arrayBuffer())
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    expect(await served.exit).toBe(0);
    expect(served.stdout()).toMatch(/faceparse serve stopped\n$/);
    await expect(fetch(`${served.url}/healthz`)).rejects.toThrow();
  });

  it('face-parsing-mini: the CLI’s exact label PNG; 8 parallel clients get only 200 or 503 + Retry-After; RSS under 1.5 GB', async () => {
    const face = existsSync(VAL_FACES)
      ? join(
          VAL_FACES,
          readdirSync(VAL_FACES)
            .filter((f) => f.endsWith('.jpg'))
            .sort()[0]!,
        )
      : join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
    const out = join(tmp, 'cli-out');
    const cli = spawnSync(process.execPath, [BIN, 'parse', face, '--model', MINI_MODEL, '--outputs', 'labels', '--out', out, '--threads', '2'], {
      encoding: 'utf8',
      env: { ...process.env, CI: '1' },
    });
    expect(cli.status, cli.stderr).toBe(0);
    const stem = face
      .split('/')
      .pop()!
      .replace(/\.[^.]+$/, '');
    const cliLabels = readFileSync(join(out, `${stem}.labels.png`));

    const served = await serve(['--model', MINI_MODEL, '--threads', '2', '--concurrency', '1', '--queue', '2', '--log-level', 'warn']);
    const bytes = readFileSync(face);
    const png = await postImage(served.url, bytes, { type: 'image/jpeg', accept: 'image/png' });
    expect(png.status).toBe(200);
    expect(Buffer.from(await png.arrayBuffer()).equals(cliLabels)).toBe(true);
    const json = (await (await postImage(served.url, bytes, { type: 'image/jpeg' })).json()) as { outputs: { labels: string } };
    expect(Buffer.from(json.outputs.labels, 'base64').equals(cliLabels)).toBe(true);

    const statuses: number[] = [];
    const retryAfter: Array<string | null> = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 3; i++) {
          const r = await postImage(served.url, bytes, { type: 'image/jpeg', accept: 'image/png' });
          statuses.push(r.status);
          if (r.status === 503) retryAfter.push(r.headers.get('retry-after'));
          await r.arrayBuffer();
        }
      }),
    );
    expect(
      statuses.every((s) => s === 200 || s === 503),
      statuses.join(','),
    ).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0); // 8 clients on 1 slot + 2 places: some are shed
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    expect(retryAfter.every((v) => v !== null && Number(v) >= 1)).toBe(true);
    const rss = metric(await (await fetch(`${served.url}/metrics`)).text(), 'faceparse_process_resident_memory_bytes');
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(1.5 * 1024 ** 3);
    if (existsSync('/proc/self/status')) expect(peakRss(served.child.pid!)).toBeLessThan(1.5 * 1024 ** 3); // the peak, not just now

    served.child.kill('SIGTERM');
    expect(await served.exit).toBe(0);
  });

  it.skipIf(!existsSync(BIG_PHOTO))('8 clients posting a 16 MP photo to 8 parse slots: the pixel budget keeps the peak RSS under 1.5 GB', async () => {
    const served = await serve(['--model', MINI_MODEL, '--threads', '2', '--concurrency', '8', '--queue', '8', '--log-level', 'warn']);
    const bytes = readFileSync(BIG_PHOTO);
    const statuses = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const r = await postImage(served.url, bytes, { type: 'image/jpeg', accept: 'image/png' });
        await r.arrayBuffer();
        return r.status;
      }),
    );
    expect(statuses).toEqual(Array(8).fill(200)); // 8 slots and 8 queue places: all admitted, run two at a time (2 x 16 MP <= 40 MP)
    if (existsSync('/proc/self/status')) expect(peakRss(served.child.pid!)).toBeLessThan(1.5 * 1024 ** 3);
    served.child.kill('SIGTERM');
    expect(await served.exit).toBe(0);
  });
});
