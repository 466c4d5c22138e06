/**
 * Outputs stay inside --out and are all-or-nothing: a sub-folder of --out that is a link is not
 * written through (the photo is reported, the others parsed), and a full disk leaves none of a
 * photo's files and says the disk is full.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';

const BIN = resolve('dist/src/cli/main.js');
const PHOTO = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
const root = mkdtempSync(join(tmpdir(), 'faceparse-output-safety-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('outputs stay inside --out', () => {
  it('a sub-folder of --out that is a link is not written through; the other photos are parsed', () => {
    const photos = join(root, 'photos');
    mkdirSync(join(photos, 'sub'), { recursive: true });
    copyFileSync(PHOTO, join(photos, 'top.jpg'));
    copyFileSync(PHOTO, join(photos, 'sub', 'inner.jpg'));
    const out = join(root, 'out');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(out);
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(out, 'sub'));
    const run = spawnSync(process.execPath, [BIN, 'parse', photos, '--model', TINY_MODEL, '--out', out, '--faces', 'off', '--threads', '1'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CI: '1' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/sub is a link; faceparse writes only inside the output folder/);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(existsSync(join(out, 'top.labels.png'))).toBe(true);
  });
});

describe('a full disk', () => {
  it("leaves none of the photo's outputs and says the disk is full", async () => {
    const { FaceParser } = await import('../../src/node/faceParser.js');
    const parser = await FaceParser.create({ model: TINY_MODEL, threads: 1 });
    const result = await parser.parse(PHOTO, { faces: 'off' });
    await parser.close();
    const fs = await import('node:fs/promises');
    const { writeOutputs } = await import('../../src/node/writeOutputs.js');
    const out = join(root, 'full');
    // The third file written fails as a full disk does.
    let writes = 0;
    const real = fs.writeFile;
    vi.doMock('node:fs/promises', async () => ({
      ...(await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises')),
      writeFile: (async (...args: Parameters<typeof real>) => {
        if (++writes === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return real(...args);
      }) as typeof real,
    }));
    vi.resetModules();
    const mocked = await import('../../src/node/writeOutputs.js');
    await expect(mocked.writeOutputs(result, { out, stem: 'photo', kinds: ['labels', 'color', 'overlay', 'json'] })).rejects.toThrow(
      /the disk is full \(no space left on the device\) writing .*no output of this photo was kept/,
    );
    expect(readdirSync(out)).toEqual([]);
    vi.doUnmock('node:fs/promises');
    // The control: the same call without the full disk writes all four.
    expect((await writeOutputs(result, { out, stem: 'photo', kinds: ['labels', 'color', 'overlay', 'json'] })).files).toHaveLength(4);
    expect(readdirSync(out).sort()).toEqual(['photo.color.png', 'photo.json', 'photo.labels.png', 'photo.overlay.png']);
  });
});
