/**
 * npm says nothing a new user has to worry about: `npm install` from the lockfile prints no warning
 * (no EBADENGINE for a dependency that wants a newer Node than ours, no unknown project config,
 * every install script approved or denied in package.json's allowScripts), and `npx faceparse`
 * prints only faceparse's own output. The install is a dry run in a copy of the manifest, offline
 * from npm's cache (which `npm ci` filled), so it takes a second and touches nothing here.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('.');
const npmWarnings = (stderr: string) => stderr.split('\n').filter((l) => /^npm warn/i.test(l));

describe('npm warnings', () => {
  it('npm install (from the lockfile) prints no warning', (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'faceparse-npm-'));
    try {
      for (const file of ['package.json', 'package-lock.json', '.npmrc', 'vendor']) {
        if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(dir, file), { recursive: true });
      }
      const run = spawnSync('npm', ['install', '--dry-run', '--offline', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      if (run.status !== 0 && /ENOTCACHED/.test(run.stderr))
        ctx.skip(`npm's cache lacks a package of the lockfile (run npm ci first): ${run.stderr.split('\n')[0]}`);
      expect(run.status, run.stderr).toBe(0);
      expect(npmWarnings(run.stderr)).toEqual([]);
      expect(run.stdout).toMatch(/added \d+ packages/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npx faceparse --version prints the version and no npm warning', () => {
    const run = spawnSync('npx', ['faceparse', '--version'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(npmWarnings(run.stderr)).toEqual([]);
    expect(run.stderr).toBe('');
  });
});
