/**
 * A parse writes nothing outside --out: run with a fresh HOME and TMPDIR (and no CI variable,
 * under which onnxruntime keeps its telemetry quiet anyway), both must stay empty. The control
 * run with FACEPARSE_ORT_TELEMETRY=1 shows what onnxruntime-node writes when it is left on, so
 * the check can fail. Runs the built command (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disableOnnxruntimeTelemetry } from '../../src/platform/node/telemetry.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';

const BIN = resolve('dist/src/cli/main.js');
const root = mkdtempSync(join(tmpdir(), 'faceparse-writes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every path under `dir`, relative. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

function parseIn(name: string, extraEnv: Record<string, string>) {
  const home = join(root, name, 'home');
  const tmp = join(root, name, 'tmp');
  const out = join(root, name, 'out');
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const env: Record<string, string | undefined> = { ...process.env, HOME: home, TMPDIR: tmp, ...extraEnv };
  // onnxruntime keeps quiet under these CI variables (the names are in its library): unset, so the control can show its writes.
  const ciVariables = [
    'CI',
    'TF_BUILD',
    'GITHUB_ACTIONS',
    'GITLAB_CI',
    'CIRCLECI',
    'TRAVIS',
    'JENKINS_URL',
    'CODEBUILD_BUILD_ID',
    'BUILDKITE',
    'TEAMCITY_VERSION',
    'APPVEYOR',
    'BITBUCKET_BUILD_NUMBER',
  ];
  for (const name of [...ciVariables, 'XDG_CACHE_HOME', 'ORT_DISABLE_TELEMETRY', 'FACEPARSE_ORT_TELEMETRY']) {
    if (!(name in extraEnv)) delete env[name];
  }
  const run = spawnSync(process.execPath, [BIN, 'parse', join(GOLDEN_DIR, 'images/jpeg_q90.jpg'), '--model', TINY_MODEL, '--out', out, '--threads', '1'], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  return { code: run.status, stderr: run.stderr, home: tree(home), tmp: tree(tmp), out: tree(out) };
}

describe('a parse writes only into --out', () => {
  it('leaves a fresh HOME and TMPDIR empty (onnxruntime telemetry is off by default)', () => {
    const run = parseIn('default', {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.out.length).toBeGreaterThan(0);
    expect(run.home).toEqual([]);
    expect(run.tmp).toEqual([]);
  });

  it('control: with FACEPARSE_ORT_TELEMETRY=1, onnxruntime writes its device id and mat-debug log', () => {
    const run = parseIn('telemetry-on', { FACEPARSE_ORT_TELEMETRY: '1' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.home.some((p) => p.includes('.onnxruntime'))).toBe(true);
    expect(run.tmp.some((p) => /^mat-debug-\d+\.log$/.test(p))).toBe(true);
  });

  it('sets ORT_DISABLE_TELEMETRY=1 unless the user chose otherwise', () => {
    const env: NodeJS.ProcessEnv = {};
    disableOnnxruntimeTelemetry(env);
    expect(env.ORT_DISABLE_TELEMETRY).toBe('1');
    const optIn: NodeJS.ProcessEnv = { FACEPARSE_ORT_TELEMETRY: '1' };
    disableOnnxruntimeTelemetry(optIn);
    expect(optIn.ORT_DISABLE_TELEMETRY).toBeUndefined();
    const own: NodeJS.ProcessEnv = { ORT_DISABLE_TELEMETRY: '0' };
    disableOnnxruntimeTelemetry(own);
    expect(own.ORT_DISABLE_TELEMETRY).toBe('0');
  });
});
