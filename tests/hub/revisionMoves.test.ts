/**
 * A branch that moves while a model downloads: the revision is resolved to one commit once, and
 * every file is fetched at that commit, so the cache holds one complete snapshot that a later
 * offline run finds, whatever the branch did meanwhile.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveModel, type HubOptions } from '../../src/hub/resolve.js';
import { commitHash, FakeHub, fakeModelFiles } from './fake-hub.js';

let hub: FakeHub;
let cacheDir: string;
let home: string;

beforeEach(async () => {
  hub = await new FakeHub().start();
  cacheDir = mkdtempSync(join(tmpdir(), 'fp-cache-'));
  home = mkdtempSync(join(tmpdir(), 'fp-hfhome-'));
  for (const name of [
    'HF_TOKEN',
    'HUGGING_FACE_HUB_TOKEN',
    'HF_TOKEN_PATH',
    'HF_HUB_OFFLINE',
    'TRANSFORMERS_OFFLINE',
    'HF_ENDPOINT',
    'HF_HUB_CACHE',
    'HUGGINGFACE_HUB_CACHE',
  ])
    vi.stubEnv(name, '');
  vi.stubEnv('HF_HOME', home);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await hub.stop();
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

const opts = (extra: HubOptions = {}): HubOptions => ({ endpoint: hub.url, cacheDir, retryDelayMs: 5, ...extra });

describe('a revision that moves between the config and the weights', () => {
  it('every file comes from the commit the revision had at the start; an offline run finds them all', async () => {
    const { commit: first } = hub.addRepo('acme/face', fakeModelFiles({ seed: 'one' }));
    const repo = hub.repos.get('acme/face')!;
    const second = commitHash('acme/face:second');
    repo.commits[second] = fakeModelFiles({ seed: 'two' });
    // main moves to the second commit as soon as the first file has been asked for by name.
    let moved = false;
    hub.hooks.push((_req, _res, { server, path }) => {
      if (server === 'hub' && path.includes('/resolve/main/') && !moved) {
        moved = true;
        setImmediate(() => (repo.refs.main = second));
      }
      return false;
    });
    const model = await resolveModel('acme/face', opts());
    expect(model.commit).toBe(first);
    for (const file of Object.values(model.files)) expect(file.startsWith(join(model.dir, ''))).toBe(true);
    expect(model.dir).toContain(first);
    // Every request after the first asked for the commit, not the moving branch.
    const asked = hub.requests('hub').map((r) => r.path);
    expect(asked.filter((p) => p.includes('/resolve/main/'))).toHaveLength(1);
    expect(repo.refs.main).toBe(second);

    const offline = await resolveModel('acme/face', opts({ offline: true }));
    expect(offline.commit).toBe(first);
    for (const file of Object.values(offline.files)) expect(existsSync(file), file).toBe(true);
  });
});

describe('a hub that ignores commits', () => {
  it('answering another commit for a pinned file is an error that says so; the cache gets no mixed snapshot', async () => {
    const { commit: first } = hub.addRepo('acme/face', fakeModelFiles({ seed: 'one' }));
    const repo = hub.repos.get('acme/face')!;
    const second = commitHash('acme/face:second');
    repo.commits[second] = fakeModelFiles({ seed: 'two' });
    let moved = false;
    hub.hooks.push((req, _res, { server, path }) => {
      if (server !== 'hub') return false;
      if (path.includes('/resolve/main/') && !moved) {
        moved = true;
        setImmediate(() => (repo.refs.main = second));
      }
      // This mirror serves its branch head whatever commit is asked for.
      req.url = req.url!.replace(`/resolve/${first}/`, '/resolve/main/');
      return false;
    });
    const error = await resolveModel('acme/face', opts()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(`answered .* from commit ${second} when asked for commit ${first} \\(what main pointed to\\); it does not serve files by commit`),
    );
    expect(existsSync(join(cacheDir, 'models--acme--face', 'snapshots', second))).toBe(false);
    expect(existsSync(join(cacheDir, 'models--acme--face', 'refs', first))).toBe(false);
  });
});
