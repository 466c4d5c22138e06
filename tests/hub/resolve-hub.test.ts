/**
 * Real HTTP against a hub stand-in on 127.0.0.1 (tests/hub/fake-hub.ts): downloads, the cache
 * layout, offline mode, tokens, errors, interruptions and sharing of concurrent downloads.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveModel, type HubOptions } from '../../src/hub/resolve.js';
import { commitHash, FakeHub, fakeModelFiles, gitSha1, sha256 } from './fake-hub.js';
import { failure } from '../helpers/failure.js';

let hub: FakeHub;
let cacheDir: string;
let home: string;

beforeEach(async () => {
  hub = await new FakeHub().start();
  cacheDir = mkdtempSync(join(tmpdir(), 'fp-cache-'));
  home = mkdtempSync(join(tmpdir(), 'fp-hfhome-'));
  // Keep the developer's own settings out of the tests.
  for (const name of [
    'HF_TOKEN',
    'HUGGING_FACE_HUB_TOKEN',
    'HF_TOKEN_PATH',
    'HF_HUB_OFFLINE',
    'TRANSFORMERS_OFFLINE',
    'HF_ENDPOINT',
    'HF_HUB_CACHE',
    'HUGGINGFACE_HUB_CACHE',
  ]) {
    vi.stubEnv(name, '');
  }
  vi.stubEnv('HF_HOME', home);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await hub.stop();
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

function opts(extra: HubOptions = {}): HubOptions {
  return { endpoint: hub.url, cacheDir, retryDelayMs: 5, ...extra };
}

const repoFolder = (id: string): string => join(cacheDir, `models--${id.replace('/', '--')}`);

describe('resolveModel with a hub id', () => {
  it('downloads the files of the variant into the cache in the huggingface_hub layout', async () => {
    const files = fakeModelFiles();
    const { commit } = hub.addRepo('acme/face', files);
    const model = await resolveModel('acme/face', opts());

    const repo = repoFolder('acme/face');
    const snap = join(repo, 'snapshots', commit);
    expect(model).toEqual({
      dir: snap,
      id: 'acme/face',
      revision: 'main',
      commit,
      variant: 'fp32',
      source: 'download',
      files: {
        config: join(snap, 'config.json'),
        preprocessor: join(snap, 'preprocessor_config.json'),
        onnx: join(snap, 'onnx', 'model.onnx'),
      },
    });
    expect(readFileSync(join(repo, 'refs', 'main'), 'utf8')).toBe(commit);
    // Small files are named by git blob SHA-1, LFS files by SHA-256; snapshots hold relative symlinks.
    const cfgSha = gitSha1(files['config.json']!);
    const onnxSha = sha256(files['onnx/model.onnx']!);
    expect(readdirSync(join(repo, 'blobs')).sort()).toEqual([cfgSha, gitSha1(files['preprocessor_config.json']!), onnxSha].sort());
    expect(lstatSync(model.files.config).isSymbolicLink()).toBe(true);
    expect(readlinkSync(model.files.config)).toBe(`../../blobs/${cfgSha}`);
    expect(readlinkSync(model.files.onnx)).toBe(`../../../blobs/${onnxSha}`);
    expect(readFileSync(model.files.onnx).equals(files['onnx/model.onnx']!)).toBe(true);
    expect(readFileSync(model.files.config).equals(files['config.json']!)).toBe(true);
    // Only the chosen variant (plus the external-data probe, answered 404 and remembered).
    expect(existsSync(join(snap, 'onnx', 'model_quantized.onnx'))).toBe(false);
    expect(existsSync(join(repo, '.no_exist', commit, 'onnx', 'model.onnx_data'))).toBe(true);
    const hubPaths = hub
      .requests('hub')
      .map((r) => r.path)
      .sort();
    expect(hubPaths).toEqual(
      [
        '/acme/face/resolve/main/config.json',
        `/acme/face/resolve/${commit}/preprocessor_config.json`,
        `/acme/face/resolve/${commit}/onnx/model.onnx`,
        `/acme/face/resolve/${commit}/onnx/model.onnx_data`,
      ].sort(),
    );
    expect(hub.requests('cdn').map((r) => r.path)).toEqual([`/lfs/${onnxSha}`]);
  });

  it('resolves again from the cache without any HTTP request', async () => {
    hub.addRepo('acme/face', fakeModelFiles());
    const first = await resolveModel('acme/face', opts());
    const before = hub.requests().length;
    const second = await resolveModel('acme/face', opts());
    expect(hub.requests().length).toBe(before);
    expect(second).toEqual({ ...first, source: 'cache' });
  });

  it('fetches only the missing files of another variant, at the cached commit', async () => {
    const files = fakeModelFiles();
    const { commit } = hub.addRepo('acme/face', files);
    await resolveModel('acme/face', opts());
    hub.log.length = 0;
    const q8 = await resolveModel('acme/face', opts({ variant: 'q8' }));
    expect(q8.source).toBe('download');
    expect(readFileSync(q8.files.onnx).equals(files['onnx/model_quantized.onnx']!)).toBe(true);
    expect(
      hub
        .requests('hub')
        .map((r) => r.path)
        .sort(),
    ).toEqual([`/acme/face/resolve/${commit}/onnx/model_quantized.onnx`, `/acme/face/resolve/${commit}/onnx/model_quantized.onnx_data`]);
  });

  it('fetches the external-data file next to the model when the repo has one', async () => {
    const files = fakeModelFiles({ withData: true });
    hub.addRepo('acme/big', files);
    const model = await resolveModel('acme/big', opts());
    expect(model.files.onnxData).toBe(join(model.dir, 'onnx', 'model.onnx_data'));
    expect(readFileSync(model.files.onnxData!).equals(files['onnx/model.onnx_data']!)).toBe(true);
    hub.log.length = 0;
    expect((await resolveModel('acme/big', opts())).files.onnxData).toBe(model.files.onnxData);
    expect(hub.requests()).toEqual([]);
  });

  it('works offline from the cache (option, HF_HUB_OFFLINE=1, TRANSFORMERS_OFFLINE=1) with no request', async () => {
    hub.addRepo('acme/face', fakeModelFiles());
    const online = await resolveModel('acme/face', opts());
    hub.log.length = 0;
    expect(await resolveModel('acme/face', opts({ offline: true }))).toEqual({ ...online, source: 'cache' });
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    expect((await resolveModel('acme/face', opts())).files).toEqual(online.files);
    vi.stubEnv('HF_HUB_OFFLINE', '');
    vi.stubEnv('TRANSFORMERS_OFFLINE', '1');
    expect((await resolveModel('acme/face', opts())).files).toEqual(online.files);
    expect(hub.requests()).toEqual([]);
  });

  it('fails clearly offline when a file or the whole model is not cached', async () => {
    hub.addRepo('acme/face', fakeModelFiles());
    await resolveModel('acme/face', opts());
    hub.log.length = 0;
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const missingVariant = await failure(resolveModel('acme/face', opts({ variant: 'q8' })));
    expect(missingVariant.code).toBe('HUB_OFFLINE');
    expect(missingVariant.message).toContain('offline (HF_HUB_OFFLINE=1) and acme/face@main has no cached onnx/model_quantized.onnx');
    expect(missingVariant.message).toContain('run `faceparse models pull acme/face --variant q8` while online');

    const missingModel = await failure(resolveModel('acme/other@v2', opts()));
    expect(missingModel.code).toBe('HUB_OFFLINE');
    expect(missingModel.message).toContain(`acme/other@v2 is not in the cache at ${cacheDir}`);
    expect(missingModel.message).toContain('faceparse models pull acme/other --revision v2');

    const byOption = await failure(resolveModel('acme/other', opts({ offline: true })));
    expect(byOption.message).toMatch(/^offline mode is on/);
    expect(hub.requests()).toEqual([]);
  });

  it('finds models cached by Python huggingface_hub (symlinks or copies, refs or commit hashes) offline', async () => {
    const files = fakeModelFiles();
    const commit = commitHash('python');
    const repo = repoFolder('someone/pymodel');
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    mkdirSync(join(repo, 'refs'), { recursive: true });
    mkdirSync(join(repo, 'snapshots', commit, 'onnx'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), commit);
    for (const file of ['config.json', 'onnx/model.onnx']) {
      const sha = file.endsWith('.onnx') ? sha256(files[file]!) : gitSha1(files[file]!);
      writeFileSync(join(repo, 'blobs', sha), files[file]!);
      symlinkSync(file.includes('/') ? `../../../blobs/${sha}` : `../../blobs/${sha}`, join(repo, 'snapshots', commit, file));
    }
    // Windows-style copy without a blob.
    writeFileSync(join(repo, 'snapshots', commit, 'preprocessor_config.json'), files['preprocessor_config.json']!);

    const model = await resolveModel('someone/pymodel', opts({ offline: true }));
    expect(model).toMatchObject({ source: 'cache', commit, revision: 'main', dir: join(repo, 'snapshots', commit) });
    expect(readFileSync(model.files.onnx).equals(files['onnx/model.onnx']!)).toBe(true);
    // By commit hash: the snapshot folder alone is enough.
    rmSync(join(repo, 'refs'), { recursive: true });
    expect((await resolveModel(`someone/pymodel@${commit}`, opts({ offline: true }))).commit).toBe(commit);
    await expect(resolveModel('someone/pymodel', opts({ offline: true }))).rejects.toMatchObject({ code: 'HUB_OFFLINE' });
    expect(hub.requests()).toEqual([]);
  });

  it('honours HF_ENDPOINT and HF_HUB_CACHE from the environment', async () => {
    const { commit } = hub.addRepo('acme/face', fakeModelFiles());
    vi.stubEnv('HF_ENDPOINT', hub.url);
    vi.stubEnv('HF_HUB_CACHE', cacheDir);
    const model = await resolveModel('acme/face', { retryDelayMs: 5 });
    expect(model.dir).toBe(join(repoFolder('acme/face'), 'snapshots', commit));
    expect(hub.requests('hub').length).toBeGreaterThan(0);
  });

  it('sends the token as a Bearer header to the endpoint, never to the CDN', async () => {
    hub.addRepo('acme/private', fakeModelFiles(), { token: 'hf_secret' });
    const denied = await failure(resolveModel('acme/private', opts()));
    expect(denied.code).toBe('HUB_HTTP');
    expect(denied.message).toContain('set HF_TOKEN or pass --token');

    hub.log.length = 0;
    vi.stubEnv('HF_TOKEN', 'hf_secret');
    const model = await resolveModel('acme/private', opts());
    expect(model.source).toBe('download');
    const hubReqs = hub.requests('hub');
    expect(hubReqs.length).toBeGreaterThan(0);
    expect(hubReqs.every((r) => r.authorization === 'Bearer hf_secret')).toBe(true);
    const cdnReqs = hub.requests('cdn');
    expect(cdnReqs.length).toBe(1);
    expect(cdnReqs[0]!.authorization).toBeUndefined();
  });

  it('reads the token from $HF_HOME/token and the option wins over it', async () => {
    hub.addRepo('acme/private', fakeModelFiles(), { token: 'hf_file' });
    writeFileSync(join(home, 'token'), 'hf_file\n');
    await resolveModel('acme/private', opts());
    expect(hub.requests('hub').every((r) => r.authorization === 'Bearer hf_file')).toBe(true);
    hub.log.length = 0;
    const wrong = await failure(resolveModel('acme/private', opts({ token: 'hf_wrong', refresh: true })));
    expect(wrong.message).toMatch(/the token that was sent .* has no access/);
    expect(hub.requests('hub')[0]!.authorization).toBe('Bearer hf_wrong');
  });

  it('follows same-origin redirects of renamed repos with the token', async () => {
    hub.addRepo('acme/new-name', fakeModelFiles(), { token: 't0k' });
    hub.renamed.set('acme/old-name', 'acme/new-name');
    const model = await resolveModel('acme/old-name', opts({ token: 't0k' }));
    expect(model.id).toBe('acme/old-name');
    expect(readFileSync(model.files.config, 'utf8')).toContain('segformer');
    expect(hub.requests('hub').some((r) => r.path.startsWith('/acme/new-name/') && r.authorization === 'Bearer t0k')).toBe(true);
  });

  it('maps 404, 401, 403 and 500 to messages that say what to do', async () => {
    hub.addRepo('acme/face', fakeModelFiles());
    hub.addRepo('acme/gated', fakeModelFiles(), { token: 'hf_ok', gated: true });

    const noRepo = await failure(resolveModel('acme/nope', opts()));
    expect(noRepo.code).toBe('HUB_HTTP');
    expect(noRepo.message).toContain('acme/nope');
    expect(noRepo.message).toContain('HTTP 401');
    expect(noRepo.message).toContain('check the id');

    const noFile = await failure(resolveModel('acme/face', opts({ variant: 'fp16' })));
    expect(noFile.code).toBe('MODEL_FILE_MISSING');
    expect(noFile.message).toContain('acme/face@main has no file onnx/model_fp16.onnx (variant fp16)');
    expect(noFile.message).toContain('--variant');

    const noRev = await failure(resolveModel('acme/face@nope', opts()));
    expect(noRev.code).toBe('MODEL_NOT_FOUND');
    expect(noRev.message).toContain('no revision "nope"');

    const gated = await failure(resolveModel('acme/gated', opts()));
    expect(gated.message).toContain('is gated (HTTP 403)');
    expect(gated.message).toContain(`${hub.url}/acme/gated`);

    hub.hooks.push((_req, res, { server, path }) => {
      if (server === 'hub' && path.startsWith('/acme/plain404/')) {
        res.writeHead(404).end();
        return true;
      }
      if (server === 'hub' && path.startsWith('/acme/down/')) {
        res.writeHead(500).end('boom');
        return true;
      }
      return false;
    });
    const plain404 = await failure(resolveModel('acme/plain404', opts()));
    expect(plain404.code).toBe('MODEL_NOT_FOUND');
    expect(plain404.message).toContain(`no model acme/plain404 at ${hub.url}`);

    hub.log.length = 0;
    const down = await failure(resolveModel('acme/down', opts({ retries: 2 })));
    expect(down.code).toBe('HUB_HTTP');
    expect(down.message).toContain(`${hub.url} answered HTTP 500`);
    expect(down.message).toContain('HF_HUB_OFFLINE=1');
    expect(hub.requests('hub').length).toBe(3); // one try and two retries
    expect(existsSync(repoFolder('acme/down'))).toBe(false);
  });

  it('says which endpoint could not be reached on network errors', async () => {
    const closed = new FakeHub();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const error = await failure(resolveModel('acme/face', { cacheDir, endpoint: url, retries: 1, retryDelayMs: 1 }));
    expect(error.code).toBe('HUB_HTTP');
    expect(error.message).toContain(`from ${url}`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toContain('HF_HUB_OFFLINE=1');
  });

  it('an interrupted download leaves no complete-looking file, and the next try succeeds', async () => {
    const files = fakeModelFiles({ onnxBytes: 400_000 });
    const { commit } = hub.addRepo('acme/face', files);
    const onnxSha = sha256(files['onnx/model.onnx']!);
    let cut = true;
    hub.hooks.push((_req, res, { server }) => {
      if (server !== 'cdn' || !cut) return false;
      const data = files['onnx/model.onnx']!;
      res.writeHead(200, { 'content-length': data.length });
      res.write(data.subarray(0, 100_000), () => setTimeout(() => res.socket?.destroy(), 20));
      return true;
    });
    const error = await failure(resolveModel('acme/face', opts({ retries: 0 })));
    expect(error.code).toBe('HUB_HTTP');
    expect(error.message).toMatch(/broke off after \d+ bytes|received \d+ bytes where 400000/);
    const repo = repoFolder('acme/face');
    expect(existsSync(join(repo, 'blobs', onnxSha))).toBe(false);
    expect(existsSync(join(repo, 'snapshots', commit, 'onnx', 'model.onnx'))).toBe(false);
    expect(readdirSync(join(repo, 'blobs')).filter((f) => f.includes('incomplete'))).toEqual([]);

    cut = false;
    const model = await resolveModel('acme/face', opts({ retries: 0 }));
    expect(readFileSync(model.files.onnx).equals(files['onnx/model.onnx']!)).toBe(true);
  });

  it('clears partial downloads left by dead processes, but not fresh ones', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    const blobs = join(repoFolder('acme/face'), 'blobs');
    const sha = sha256(files['onnx/model.onnx']!);
    mkdirSync(blobs, { recursive: true });
    const stale = join(blobs, `${sha}.99999-deadbeef.incomplete`);
    const fresh = join(blobs, `${sha}.99998-cafebabe.incomplete`);
    writeFileSync(stale, 'partial');
    writeFileSync(fresh, 'partial');
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stale, old, old);
    await resolveModel('acme/face', opts());
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(readFileSync(join(blobs, sha)).equals(files['onnx/model.onnx']!)).toBe(true);
  });

  it('retries a broken transfer by itself', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    let cuts = 1;
    hub.hooks.push((_req, res, { server }) => {
      if (server !== 'cdn' || cuts === 0) return false;
      cuts--;
      res.writeHead(200, { 'content-length': 300_000 });
      res.write(Buffer.alloc(1000), () => res.socket?.destroy());
      return true;
    });
    const model = await resolveModel('acme/face', opts({ retries: 2 }));
    expect(readFileSync(model.files.onnx).equals(files['onnx/model.onnx']!)).toBe(true);
    expect(hub.requests('cdn').length).toBe(2);
  });

  it('refuses a body that does not match its SHA-256 and keeps nothing of it', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    hub.hooks.push((_req, res, { server }) => {
      if (server !== 'cdn') return false;
      const bad = Buffer.from(files['onnx/model.onnx']!);
      bad[10] = bad[10]! ^ 0xff;
      res.writeHead(200, { 'content-length': bad.length }).end(bad);
      return true;
    });
    const error = await failure(resolveModel('acme/face', opts({ retries: 1 })));
    expect(error.message).toContain('arrived corrupted');
    expect(hub.requests('cdn').length).toBe(2);
    const blobs = readdirSync(join(repoFolder('acme/face'), 'blobs'));
    expect(blobs).not.toContain(sha256(files['onnx/model.onnx']!));
    expect(blobs.filter((b) => b.includes('incomplete'))).toEqual([]);
  });

  it('concurrent resolves of the same model share one download per file', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    const events: string[] = [];
    const results = await Promise.all([0, 1, 2, 3].map((i) => resolveModel('acme/face', opts({ onProgress: (e) => events.push(`${i}:${e.file}`) }))));
    expect(new Set(results.map((r) => r.files.onnx)).size).toBe(1);
    const count = (suffix: string): number => hub.requests('hub').filter((r) => r.path.endsWith(suffix)).length;
    expect(count('/config.json')).toBe(1);
    expect(count('/preprocessor_config.json')).toBe(1);
    expect(count('/onnx/model.onnx')).toBe(1);
    expect(hub.requests('cdn').length).toBe(1);
    // Every caller hears the progress of the shared download.
    for (const i of [0, 1, 2, 3]) expect(events).toContain(`${i}:onnx/model.onnx`);
  });

  it('reports progress up to the announced size', async () => {
    const files = fakeModelFiles({ onnxBytes: 500_000 });
    hub.addRepo('acme/face', files);
    const events: { file: string; loaded: number; total?: number }[] = [];
    await resolveModel('acme/face', opts({ onProgress: (e) => events.push(e) }));
    // Events of the transfer itself (not those saying which server is awaited).
    const onnx = events.filter((e) => e.file === 'onnx/model.onnx' && !('waitingFor' in e));
    expect(onnx.length).toBeGreaterThan(2);
    expect(onnx.every((e) => e.total === 500_000)).toBe(true);
    expect(onnx.map((e) => e.loaded)).toEqual([...onnx.map((e) => e.loaded)].sort((a, b) => a - b));
    expect(onnx.at(-1)!.loaded).toBe(500_000);
    expect(events.some((e) => e.file === 'config.json' && e.loaded === files['config.json']!.length)).toBe(true);
  });

  /** The CDN sends the first 50 kB of the weights and never ends; `onSent` runs once they are written out. */
  function serveWeightsThatNeverEnd(files: Record<string, Buffer>, onSent?: () => void): void {
    hub.hooks.push((_req, res, { server }) => {
      if (server !== 'cdn') return false;
      res.writeHead(200, { 'content-length': files['onnx/model.onnx']!.length });
      res.write(files['onnx/model.onnx']!.subarray(0, 50_000), () => onSent?.());
      return true;
    });
  }

  it('stops on abort and leaves no partial file', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    const controller = new AbortController();
    serveWeightsThatNeverEnd(files, () => controller.abort(new Error('user cancelled')));
    await expect(resolveModel('acme/face', opts({ signal: controller.signal }))).rejects.toThrow('user cancelled');
    // The last caller's rejection waits for the transfer to stop and delete its partial file: no polling here,
    // and the folder can be deleted at once (under load, a transfer still opening its file made that fail).
    const blobs = readdirSync(join(repoFolder('acme/face'), 'blobs'));
    expect(blobs.filter((b) => b.includes('incomplete'))).toEqual([]);
    expect(blobs).not.toContain(sha256(files['onnx/model.onnx']!));
    rmSync(cacheDir, { recursive: true });
  });

  it('an abort just after the partial file is opened still leaves none once the call has rejected', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    const controller = new AbortController();
    serveWeightsThatNeverEnd(files);
    // The first progress event of the weights comes right after their partial file is opened.
    const onProgress = (e: { file: string; loaded: number }): void => {
      if (e.file === 'onnx/model.onnx' && e.loaded === 0) controller.abort(new Error('user cancelled'));
    };
    await expect(resolveModel('acme/face', opts({ signal: controller.signal, onProgress }))).rejects.toThrow('user cancelled');
    expect(readdirSync(join(repoFolder('acme/face'), 'blobs')).filter((b) => b.includes('incomplete'))).toEqual([]);
  });

  it('refresh (models pull) asks for the revision again and moves refs/main to a new commit', async () => {
    const files = fakeModelFiles();
    const { commit } = hub.addRepo('acme/face', files);
    await resolveModel('acme/face', opts());
    const repo = hub.repos.get('acme/face')!;
    const next = commitHash('next');
    const changed = { ...files, 'config.json': Buffer.from(files['config.json']!.toString().replace('"hair"', '"hairs"')) };
    repo.commits[next] = changed;
    repo.refs.main = next;

    expect((await resolveModel('acme/face', opts())).commit).toBe(commit); // cache first
    hub.log.length = 0;
    const fresh = await resolveModel('acme/face', opts({ refresh: true }));
    expect(fresh.commit).toBe(next);
    expect(readFileSync(join(repoFolder('acme/face'), 'refs', 'main'), 'utf8')).toBe(next);
    expect(readFileSync(fresh.files.config, 'utf8')).toContain('"hairs"');
    // The unchanged weights are linked from the blob already there, not downloaded again.
    expect(hub.requests('cdn')).toEqual([]);
    expect(readlinkSync(fresh.files.onnx)).toBe(`../../../blobs/${sha256(files['onnx/model.onnx']!)}`);
  });

  it('says when the commit a cached branch pointed to is gone from the hub', async () => {
    const files = fakeModelFiles();
    const { commit } = hub.addRepo('acme/face', files);
    await resolveModel('acme/face', opts());
    const repo = hub.repos.get('acme/face')!;
    const next = commitHash('rewritten');
    repo.commits = { [next]: files };
    repo.refs.main = next;
    const error = await failure(resolveModel('acme/face', opts({ variant: 'q8' })));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toContain(`acme/face@main pointed to commit ${commit} when it was cached`);
    expect(error.message).toContain('faceparse models pull acme/face --revision main');
    expect((await resolveModel('acme/face', opts({ variant: 'q8', refresh: true }))).commit).toBe(next);
  });

  it('refuses an endpoint that is not a hub (no X-Repo-Commit) and unsafe ETags', async () => {
    hub.hooks.push((_req, res, { server, path }) => {
      if (server !== 'hub') return false;
      if (path.startsWith('/plain/site/')) {
        res.writeHead(200, { 'content-length': 2, etag: '"abc"' }).end('{}');
        return true;
      }
      if (path.startsWith('/evil/etag/')) {
        res.writeHead(200, { 'content-length': 2, etag: '"../../../x"', 'x-repo-commit': 'a'.repeat(40) }).end('{}');
        return true;
      }
      if (path.startsWith('/evil/dots/')) {
        res.writeHead(200, { 'content-length': 2, etag: '".."', 'x-repo-commit': 'a'.repeat(40) }).end('{}');
        return true;
      }
      if (path.startsWith('/evil/commit/')) {
        res.writeHead(200, { 'content-length': 2, etag: '"abc"', 'x-repo-commit': '../../x' }).end('{}');
        return true;
      }
      return false;
    });
    const plain = await failure(resolveModel('plain/site', opts()));
    expect(plain.message).toContain('without a valid X-Repo-Commit header');
    const evil = await failure(resolveModel('evil/etag', opts()));
    expect(evil.message).toContain('without a usable ETag');
    expect((await failure(resolveModel('evil/dots', opts()))).message).toContain('without a usable ETag');
    expect((await failure(resolveModel('evil/commit', opts()))).message).toContain('without a valid X-Repo-Commit');
    expect(existsSync(join(cacheDir, 'x'))).toBe(false);
  });
});
