/**
 * A hub that misbehaves on purpose (tests/hub/fake-hub.ts with hooks): it stalls before its
 * headers, stops or trickles mid-body, lies about sizes and contents, or sends too much. Each
 * must fail with a clear FaceParseError in bounded time and leave nothing bad in the cache; a
 * bad blob already in the cache must be replaced, and `models pull` must repair it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressReporter, registerModelsCommand } from '../../src/cli/models.js';
import { FaceParseError } from '../../src/base/errors.js';
import { resolveModel, type HubOptions } from '../../src/hub/resolve.js';
import { maxBytesFor, resolveNetworkLimits } from '../../src/hub/transfer.js';
import { FakeHub, fakeModelFiles, gitSha1, sha256 } from './fake-hub.js';
import { failure } from '../helpers/failure.js';

let hub: FakeHub;
let cacheDir: string;
let home: string;
const open: ServerResponse[] = [];

beforeEach(async () => {
  hub = await new FakeHub().start();
  cacheDir = mkdtempSync(join(tmpdir(), 'fp-cache-'));
  home = mkdtempSync(join(tmpdir(), 'fp-hfhome-'));
  for (const name of ['HF_TOKEN', 'HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'HF_ENDPOINT', 'HF_HUB_CACHE', 'HF_HUB_DOWNLOAD_TIMEOUT', 'CI']) {
    vi.stubEnv(name, '');
  }
  vi.stubEnv('HF_HOME', home);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const res of open.splice(0)) res.destroy();
  await hub.stop();
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

/** Short limits so that a stalled server fails in well under a second. */
const FAST: HubOptions['network'] = { headersTimeoutMs: 300, idleTimeoutMs: 300, lowSpeedWindowMs: 400, minBytesPerSecond: 1024 };

function opts(extra: HubOptions = {}): HubOptions {
  return { endpoint: hub.url, cacheDir, retryDelayMs: 5, network: FAST, ...extra };
}

const repoFolder = (id: string): string => join(cacheDir, `models--${id.replace('/', '--')}`);

function blobs(id = 'acme/face'): string[] {
  const dir = join(repoFolder(id), 'blobs');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Serves `onnx/model.onnx` from the hub itself (no LFS redirect), named by its git blob SHA-1. */
function plainRepo(): { files: Record<string, Buffer>; commit: string; onnx: Buffer } {
  const files = fakeModelFiles({ onnxBytes: 40_000 });
  const { commit } = hub.addRepo('acme/face', files, { lfs: () => false });
  return { files, commit, onnx: files['onnx/model.onnx']! };
}

/** Answers the hub's GET of `file` with `respond` (the real headers otherwise). */
function onHubFile(file: string, respond: (res: ServerResponse, commit: string) => void, commit: string): void {
  hub.hooks.push((req, res, { server, path }) => {
    if (server !== 'hub' || !path.endsWith(`/${file}`) || req.method !== 'GET') return false;
    open.push(res);
    respond(res, commit);
    return true;
  });
}

describe('a hub that stalls or trickles', () => {
  it('fails when the headers never come, within the headers timeout, and does not retry', async () => {
    hub.addRepo('acme/face', fakeModelFiles());
    hub.hooks.push((_req, res, { server }) => {
      if (server !== 'hub') return false;
      open.push(res); // accept the connection, say nothing
      return true;
    });
    const error = await failure(resolveModel('acme/face', opts({ retries: 2 })));
    expect(error.code).toBe('HUB_HTTP');
    expect(error.message).toContain('no response within 0.3 s');
    expect(error.message).toContain(`from ${hub.url}`);
    expect(error.message).toContain('--hub-timeout');
    expect(hub.requests('hub').length).toBe(1);
    expect(blobs().filter((b) => b.includes('incomplete'))).toEqual([]);
  }, 10_000);

  it('fails when the body stops flowing (idle timeout) and keeps no partial file', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    hub.hooks.push((_req, res, { server }) => {
      if (server !== 'cdn') return false;
      open.push(res);
      res.writeHead(200, { 'content-length': files['onnx/model.onnx']!.length });
      res.write(files['onnx/model.onnx']!.subarray(0, 5000));
      return true;
    });
    const error = await failure(resolveModel('acme/face', opts({ network: { ...FAST, minBytesPerSecond: 0 } })));
    expect(error.message).toMatch(/no data for 0\.3 s after 5000 bytes/);
    expect(error.message).toContain(`from ${hub.cdnUrl}`);
    expect(hub.requests('cdn').length).toBe(1);
    expect(blobs().filter((b) => b.includes('incomplete') || b === sha256(files['onnx/model.onnx']!))).toEqual([]);
  }, 10_000);

  it('fails when the body trickles a byte at a time, below the minimum speed, though never idle', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    hub.hooks.push((_req, res, { server }) => {
      if (server !== 'cdn') return false;
      open.push(res);
      const data = files['onnx/model.onnx']!;
      res.writeHead(200, { 'content-length': data.length });
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        res.write(data.subarray(i, i + 1));
        i++;
      }, 20);
      res.on('close', () => clearInterval(timer));
      return true;
    });
    const error = await failure(resolveModel('acme/face', opts({ network: { ...FAST, idleTimeoutMs: 5000 } })));
    expect(error.message).toMatch(/slower than 1024 bytes\/s for 0\.4 s/);
    expect(hub.requests('cdn').length).toBe(1);
  }, 10_000);

  it('reads an error body under the same limits (a 500 whose body trickles does not hang)', async () => {
    hub.addRepo('acme/face', fakeModelFiles());
    hub.hooks.push((_req, res, { server }) => {
      if (server !== 'hub') return false;
      open.push(res);
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.write('x');
      return true;
    });
    const error = await failure(resolveModel('acme/face', opts({ retries: 0 })));
    expect(error.message).toContain('answered HTTP 500');
  }, 10_000);

  it('HF_HUB_DOWNLOAD_TIMEOUT sets the timeouts in seconds, options win, bad values are refused', () => {
    expect(resolveNetworkLimits({}, {})).toMatchObject({ headersTimeoutMs: 30_000, idleTimeoutMs: 30_000, lowSpeedWindowMs: 30_000, minBytesPerSecond: 1024 });
    expect(resolveNetworkLimits({}, { HF_HUB_DOWNLOAD_TIMEOUT: '5' })).toMatchObject({ headersTimeoutMs: 5000, idleTimeoutMs: 5000 });
    expect(resolveNetworkLimits({ idleTimeoutMs: 100 }, { HF_HUB_DOWNLOAD_TIMEOUT: '5' }).idleTimeoutMs).toBe(100);
    expect(() => resolveNetworkLimits({}, { HF_HUB_DOWNLOAD_TIMEOUT: 'soon' })).toThrow(/HF_HUB_DOWNLOAD_TIMEOUT must be a positive number/);
    expect(() => resolveNetworkLimits({ headersTimeoutMs: -1 }, {})).toThrow(FaceParseError);
  });
});

describe('a hub that lies about a file (no X-Linked-Etag: the git blob SHA-1 is checked)', () => {
  const cases: Array<[string, (res: ServerResponse, data: Buffer, commit: string) => void]> = [
    [
      'a short Content-Length',
      (res, data, commit) => {
        const short = data.subarray(0, data.length - 1000);
        res.writeHead(200, { 'content-length': short.length, etag: `"${gitSha1(data)}"`, 'x-repo-commit': commit }).end(short);
      },
    ],
    [
      'a chunked body that ends early',
      (res, data, commit) => {
        res.writeHead(200, { etag: `"${gitSha1(data)}"`, 'x-repo-commit': commit });
        res.end(data.subarray(0, data.length / 2));
      },
    ],
    [
      'wrong bytes of the right length',
      (res, data, commit) => {
        const bad = Buffer.from(data);
        bad[123] = bad[123]! ^ 0x55;
        res.writeHead(200, { 'content-length': bad.length, etag: `"${gitSha1(data)}"`, 'x-repo-commit': commit }).end(bad);
      },
    ],
  ];
  for (const [what, respond] of cases) {
    it(`refuses ${what}, and caches nothing of it`, async () => {
      const { onnx, commit } = plainRepo();
      onHubFile('onnx/model.onnx', (res, c) => respond(res, onnx, c), commit);
      const error = await failure(resolveModel('acme/face', opts({ retries: 1 })));
      expect(error.code).toBe('HUB_HTTP');
      expect(error.message).toContain('onnx/model.onnx of acme/face');
      expect(error.message).toMatch(/arrived corrupted \(git blob SHA-1 [0-9a-f]{40}, expected [0-9a-f]{40}/);
      expect(blobs()).not.toContain(gitSha1(onnx));
      expect(blobs().filter((b) => b.includes('incomplete'))).toEqual([]);
      expect(existsSync(join(repoFolder('acme/face'), 'snapshots', commit, 'onnx', 'model.onnx'))).toBe(false);
    });
  }

  it('accepts the same file when it is served right (the check passes for a good body)', async () => {
    const { onnx } = plainRepo();
    const model = await resolveModel('acme/face', opts());
    expect(readFileSync(model.files.onnx).equals(onnx)).toBe(true);
    expect(blobs()).toContain(gitSha1(onnx));
  });

  it('refuses a file that can be checked by neither checksum nor size', async () => {
    const { commit } = plainRepo();
    onHubFile('onnx/model.onnx', (res, c) => res.writeHead(200, { etag: '"v1-opaque"', 'x-repo-commit': c }).end('whatever'), commit);
    const error = await failure(resolveModel('acme/face', opts()));
    expect(error.message).toContain('with neither a size nor a checksum');
    expect(blobs()).not.toContain('v1-opaque');
  });
});

describe('size caps', () => {
  it('refuses a file announced over its cap before reading the body', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    const error = await failure(resolveModel('acme/face', opts({ network: { ...FAST, maxFileBytes: 100_000 } })));
    expect(error.message).toMatch(/onnx\/model\.onnx of acme\/face@main is 300000 bytes .* over the cap of 100000 bytes/);
    expect(hub.requests('cdn')).toEqual([]);
  });

  it('cuts off a body with no announced size once it grows past the cap', async () => {
    const { commit, onnx } = plainRepo();
    onHubFile(
      'onnx/model.onnx',
      (res, c) => {
        res.writeHead(200, { etag: `"${gitSha1(onnx)}"`, 'x-repo-commit': c });
        res.write(onnx); // 40 kB, chunked, and more would follow
        res.write(onnx);
      },
      commit,
    );
    const error = await failure(resolveModel('acme/face', opts({ network: { ...FAST, maxFileBytes: 50_000 } })));
    expect(error.message).toContain('the body grew past 50000 bytes');
    expect(blobs().filter((b) => b.includes('incomplete'))).toEqual([]);
  });

  it('caps a config at 16 MiB by default: a 3 GB answer is refused at once', async () => {
    hub.addRepo('acme/face', fakeModelFiles());
    hub.hooks.push((_req, res, { server, path }) => {
      if (server !== 'hub' || !path.endsWith('/config.json')) return false;
      res.writeHead(200, { 'content-length': String(3 * 1024 ** 3), etag: `"${'a'.repeat(40)}"`, 'x-repo-commit': 'b'.repeat(40) });
      res.flushHeaders();
      open.push(res);
      return true;
    });
    const error = await failure(resolveModel('acme/face', opts()));
    expect(error.message).toContain(`is ${3 * 1024 ** 3} bytes`);
    expect(error.message).toContain(`over the cap of ${16 * 1024 ** 2} bytes`);
  });

  it('caps an .onnx file at 2 GiB (what onnxruntime can load) and external data at 16 GiB', () => {
    const limits = resolveNetworkLimits({}, {});
    expect(maxBytesFor('onnx/model.onnx', limits)).toBe(2 * 1024 ** 3);
    expect(maxBytesFor('onnx/model.onnx_data', limits)).toBe(16 * 1024 ** 3);
    expect(maxBytesFor('config.json', limits)).toBe(16 * 1024 ** 2);
    expect(maxBytesFor('onnx/model.onnx', { ...limits, maxFileBytes: 10 })).toBe(10);
  });
});

describe('a bad blob in the cache', () => {
  it('is checked before reuse and downloaded again', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    const onnx = files['onnx/model.onnx']!;
    const blobDir = join(repoFolder('acme/face'), 'blobs');
    rmSync(blobDir, { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.mkdirSync(blobDir, { recursive: true }));
    const wrong = Buffer.from(onnx);
    wrong[0] = wrong[0]! ^ 1;
    writeFileSync(join(blobDir, sha256(onnx)), wrong); // right name and size, wrong bytes
    const model = await resolveModel('acme/face', opts());
    expect(readFileSync(model.files.onnx).equals(onnx)).toBe(true);
    expect(hub.requests('cdn').length).toBe(1);
  });

  it('`models pull` repairs a cached file whose bytes went bad, and exits normally', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files, { lfs: (f) => f === 'onnx/model.onnx' });
    const first = await resolveModel('acme/face', opts());
    for (const [file, data] of [
      ['onnx/model.onnx', files['onnx/model.onnx']!],
      ['config.json', files['config.json']!],
    ] as const) {
      const bad = Buffer.from(data);
      bad[5] = bad[5]! ^ 0xff;
      const blob = join(repoFolder('acme/face'), 'blobs', file.endsWith('.onnx') ? sha256(data) : gitSha1(data));
      writeFileSync(blob, bad);
    }
    expect(readFileSync(first.files.onnx).equals(files['onnx/model.onnx']!)).toBe(false);
    let stdout = '';
    const stderr = new PassThrough();
    const program = new Command('faceparse').exitOverride();
    registerModelsCommand(program, { stdout: (s) => (stdout += s), stderr, env: {} });
    await program.parseAsync(['models', 'pull', 'acme/face', '--endpoint', hub.url, '--cache-dir', cacheDir], { from: 'user' });
    expect(stdout.trim()).toBe(first.dir);
    expect(readFileSync(first.files.onnx).equals(files['onnx/model.onnx']!)).toBe(true);
    expect(readFileSync(first.files.config).equals(files['config.json']!)).toBe(true);
  });
});

describe('a cached model that does not load', () => {
  it('says that `models pull` checks and repairs the cached files', async () => {
    hub.addRepo('acme/face', fakeModelFiles()); // random bytes as weights: not a loadable ONNX model
    const { FaceParser } = await import('../../src/node/faceParser.js');
    const error = await failure(FaceParser.create({ model: 'acme/face', endpoint: hub.url, cacheDir, network: FAST }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('not a loadable ONNX model');
    expect(error.message).toContain('`faceparse models pull acme/face --variant fp32` checks the cached files and downloads bad ones again');
  });
});

describe('progress on a stderr that is not a terminal', () => {
  it('says what it waits for when a server keeps it waiting, and how far a download is', async () => {
    let text = '';
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => (text += c.toString()));
    const reporter = progressReporter({ stderr: stream, env: {} }, { waitNoticeMs: 30, intervalMs: 60 });
    reporter.onProgress({ file: 'onnx/model.onnx', loaded: 0, waitingFor: 'https://hub.example' });
    await new Promise((r) => setTimeout(r, 120));
    expect(text).toMatch(/^waiting for https:\/\/hub\.example to answer for onnx\/model\.onnx \(\d+ s so far\)\n/);
    reporter.onProgress({ file: 'onnx/model.onnx', loaded: 0, total: 2000 });
    reporter.onProgress({ file: 'onnx/model.onnx', loaded: 500, total: 2000 });
    await new Promise((r) => setTimeout(r, 150));
    expect(text).toContain('downloading onnx/model.onnx (2.00 kB)\n');
    expect(text).toContain('downloading onnx/model.onnx: 500 B of 2.00 kB (25%)\n');
    reporter.onProgress({ file: 'onnx/model.onnx', loaded: 2000, total: 2000 });
    reporter.onProgress({ file: 'config.json', loaded: 0, total: 900 });
    reporter.onProgress({ file: 'config.json', loaded: 300, total: 900 });
    reporter.done();
    // The file that stopped short is not called downloaded.
    expect(text.endsWith('downloaded onnx/model.onnx\ndownloading config.json (900 B)\n')).toBe(true);
  });

  it('`models pull` prints a waiting line while the hub holds back its answer, then fails at --hub-timeout', async () => {
    hub.addRepo('acme/face', fakeModelFiles());
    hub.hooks.push((_req, res, { server }) => {
      if (server !== 'hub') return false;
      open.push(res);
      return true;
    });
    let stderr = '';
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => (stderr += c.toString()));
    const program = new Command('faceparse').exitOverride();
    registerModelsCommand(program, { stdout: () => {}, stderr: stream, env: {} });
    const run = program.parseAsync(['models', 'pull', 'acme/face', '--endpoint', hub.url, '--cache-dir', cacheDir, '--hub-timeout', '3'], { from: 'user' });
    await expect(run).rejects.toThrow(/no response within 3 s/);
    expect(stderr).toContain(`waiting for ${hub.url} to answer for config.json`);
  }, 15_000);
});
