/** `faceparse models list|pull|info`, in process, against the hub stand-in on 127.0.0.1. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatBytes, progressReporter, registerModelsCommand } from '../../src/cli/models.js';
import { FakeHub, fakeModelFiles } from './fake-hub.js';

let hub: FakeHub;
let cacheDir: string;
let home: string;

beforeEach(async () => {
  hub = await new FakeHub().start();
  cacheDir = mkdtempSync(join(tmpdir(), 'fp-cli-cache-'));
  home = mkdtempSync(join(tmpdir(), 'fp-cli-home-'));
  for (const name of [
    'HF_TOKEN',
    'HUGGING_FACE_HUB_TOKEN',
    'HF_TOKEN_PATH',
    'HF_HUB_OFFLINE',
    'TRANSFORMERS_OFFLINE',
    'HF_ENDPOINT',
    'HUGGINGFACE_HUB_CACHE',
  ]) {
    vi.stubEnv(name, '');
  }
  vi.stubEnv('HF_HOME', home);
  vi.stubEnv('HF_HUB_CACHE', cacheDir);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await hub.stop();
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

interface Run {
  stdout: string;
  stderr: string;
}

async function run(args: string[], options: { tty?: boolean; env?: Record<string, string> } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const errStream = new PassThrough() as PassThrough & { isTTY?: boolean };
  errStream.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (options.tty) {
    Object.assign(errStream, { isTTY: true, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  }
  const program = new Command('faceparse').exitOverride();
  program.configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  registerModelsCommand(program, { stdout: (s) => (stdout += s), stderr: errStream, env: options.env ?? {} });
  await program.parseAsync(args, { from: 'user' });
  return { stdout, stderr };
}

describe('faceparse models', () => {
  it('pull downloads with progress on stderr and prints only the folder on stdout', async () => {
    const { commit } = hub.addRepo('acme/face', fakeModelFiles());
    const out = await run(['models', 'pull', 'acme/face', '--endpoint', hub.url]);
    const dir = join(cacheDir, 'models--acme--face', 'snapshots', commit);
    expect(out.stdout).toBe(`${dir}\n`);
    expect(out.stderr).toContain('downloading onnx/model.onnx (300.0 kB)');
    expect(out.stderr).toContain('downloaded onnx/model.onnx');
    expect(readFileSync(join(dir, 'onnx', 'model.onnx')).length).toBe(300_000);
  });

  it('pull --variant all fetches every variant the repo has and notes the others; --json parses', async () => {
    const { commit } = hub.addRepo('acme/face', fakeModelFiles());
    const out = await run(['models', 'pull', 'acme/face', '--variant', 'all', '--endpoint', hub.url, '--cache-dir', cacheDir, '--json']);
    const json = JSON.parse(out.stdout);
    expect(json).toMatchObject({ id: 'acme/face', revision: 'main', commit });
    expect(json.variants.map((v: { variant: string }) => v.variant)).toEqual(['fp32', 'q8']);
    expect(out.stderr).toContain('note: acme/face has no fp16 variant');
  });

  it('pull refreshes the revision: a moved branch is followed', async () => {
    const files = fakeModelFiles();
    hub.addRepo('acme/face', files);
    await run(['models', 'pull', 'acme/face', '--endpoint', hub.url]);
    const repo = hub.repos.get('acme/face')!;
    const next = 'f'.repeat(40);
    repo.commits[next] = files;
    repo.refs.main = next;
    const out = await run(['models', 'pull', 'acme/face', '--endpoint', hub.url]);
    expect(out.stdout.trim().endsWith(next)).toBe(true);
    expect(readFileSync(join(cacheDir, 'models--acme--face', 'refs', 'main'), 'utf8')).toBe(next);
  });

  it('pull refuses invalid ids without a request', async () => {
    for (const id of ['../x', 'a/../../b', 'a/b/c', './local']) {
      await expect(run(['models', 'pull', id, '--endpoint', hub.url])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(run(['models', 'pull', 'a/b', '--variant', 'int4'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    expect(hub.requests()).toEqual([]);
  });

  it('pull passes --token and reports errors from the hub', async () => {
    hub.addRepo('acme/private', fakeModelFiles(), { token: 'hf_cli' });
    await expect(run(['models', 'pull', 'acme/private', '--endpoint', hub.url])).rejects.toThrow(/set HF_TOKEN or pass --token/);
    const out = await run(['models', 'pull', 'acme/private', '--endpoint', hub.url, '--token', 'hf_cli']);
    expect(out.stdout).toContain('models--acme--private');
    expect(hub.requests('hub').filter((r) => r.authorization === 'Bearer hf_cli').length).toBeGreaterThan(0);
  });

  it('draws a bar on a terminal and plain lines under CI', async () => {
    hub.addRepo('acme/face', fakeModelFiles());
    const tty = await run(['models', 'pull', 'acme/face', '--endpoint', hub.url], { tty: true });
    expect(tty.stderr).toContain('onnx/model.onnx [');
    expect(tty.stderr).toContain('100%');
    expect(tty.stderr).not.toContain('downloading onnx/model.onnx');
    rmSync(cacheDir, { recursive: true, force: true });
    const ci = await run(['models', 'pull', 'acme/face', '--endpoint', hub.url], { tty: true, env: { CI: 'true' } });
    expect(ci.stderr).toContain('downloading onnx/model.onnx');
    expect(ci.stderr).not.toContain('[');
  });

  it('list shows cached models with revisions, variants and sizes, and the built-in model', async () => {
    const { commit } = hub.addRepo('acme/face', fakeModelFiles());
    await run(['models', 'pull', 'acme/face', '--variant', 'q8', '--endpoint', hub.url]);
    const json = JSON.parse((await run(['models', 'list', '--json'])).stdout);
    expect(json.cacheDir).toBe(cacheDir);
    expect(json.default.dir).toMatch(/models[\\/]face-parsing-mini$/);
    expect(json.models).toHaveLength(1);
    expect(json.models[0]).toMatchObject({
      id: 'acme/face',
      revisions: [{ commit, refs: ['main'], complete: true, variants: [{ variant: 'q8', file: 'onnx/model_quantized.onnx', size: 50_000 }] }],
    });
    const configSize = fakeModelFiles()['config.json']!.length + fakeModelFiles()['preprocessor_config.json']!.length;
    expect(json.models[0].sizeOnDisk).toBe(50_000 + configSize);

    const text = (await run(['models', 'list', '--cache-dir', cacheDir])).stdout;
    expect(text).toContain('acme/face');
    expect(text).toContain(`main -> ${commit.slice(0, 12)}  q8 50.0 kB`);
    expect(text).toContain('built-in model:');
  });

  it('list says how to get a model when the cache is empty', async () => {
    const out = await run(['models', 'list', '--cache-dir', join(cacheDir, 'empty')]);
    expect(out.stdout).toContain('no models cached; download one with `faceparse models pull owner/name`');
  });

  it('info describes a hub model: from the hub, then offline from the cache', async () => {
    const { commit } = hub.addRepo('acme/face', fakeModelFiles({ withData: true }));
    const online = JSON.parse((await run(['models', 'info', 'acme/face', '--endpoint', hub.url, '--json'])).stdout);
    expect(online).toMatchObject({
      id: 'acme/face',
      commit,
      modelType: 'segformer',
      numLabels: 3,
      id2label: { 0: 'background', 1: 'skin', 2: 'hair' },
      hiddenSizes: [32, 64, 160, 256],
      depths: [2, 2, 2, 2],
      preprocessor: { size: { height: 512, width: 512 }, resample: 2, resampleName: 'bilinear' },
    });
    expect(online.variants).toEqual([
      { variant: 'fp32', file: 'onnx/model.onnx', present: false, available: true, size: 420_000 },
      { variant: 'fp16', file: 'onnx/model_fp16.onnx', present: false, available: false },
      { variant: 'q8', file: 'onnx/model_quantized.onnx', present: false, available: true, size: 50_000 },
    ]);
    // info fetched only the two JSON files; the weights were asked about with HEAD.
    expect(hub.requests('cdn')).toEqual([]);
    expect(
      hub
        .requests('hub')
        .filter((r) => r.method === 'GET')
        .map((r) => r.path.split('/').pop())
        .sort(),
    ).toEqual(['config.json', 'preprocessor_config.json']);

    await run(['models', 'pull', 'acme/face', '--endpoint', hub.url]);
    hub.log.length = 0;
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const offline = await run(['models', 'info', 'acme/face']);
    expect(hub.requests()).toEqual([]);
    expect(offline.stdout).toContain(`model: acme/face@main (commit ${commit})`);
    expect(offline.stdout).toContain('labels (3): 0 background, 1 skin, 2 hair');
    expect(offline.stdout).toContain('encoder: hidden sizes 32, 64, 160, 256; depths 2, 2, 2, 2');
    expect(offline.stdout).toContain('resample 2 (bilinear)');
    expect(offline.stdout).toMatch(/fp32 +onnx\/model\.onnx +420\.0 kB +on disk/);
    expect(offline.stdout).toMatch(/q8 +onnx\/model_quantized\.onnx +- +not cached \(offline: unknown on the hub\)/);
  });

  it('info on a model that is not cached fails offline with what to run', async () => {
    await expect(run(['models', 'info', 'acme/none', '--offline'])).rejects.toThrow(
      /acme\/none@main is not in the cache .* run `faceparse models pull acme\/none` while online/,
    );
  });
});

describe('progress helpers', () => {
  it('formats sizes in decimal units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.50 kB');
    expect(formatBytes(300_000)).toBe('300.0 kB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(undefined)).toBe('?');
  });

  it('prints a closing line for files whose size was not announced', () => {
    let text = '';
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => (text += c.toString()));
    const reporter = progressReporter({ stderr: stream, env: {} });
    reporter.onProgress({ file: 'a.bin', loaded: 0 });
    reporter.onProgress({ file: 'a.bin', loaded: 2000 });
    reporter.done();
    expect(text).toBe('downloading a.bin\ndownloaded a.bin (2.00 kB)\n');
  });
});
