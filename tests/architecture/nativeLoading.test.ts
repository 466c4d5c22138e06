/**
 * Commands and entries that need no model and no image codec load neither onnxruntime nor libvips
 * (the CLI's commands import what they need when they run; the platform loads sharp and
 * onnxruntime-node on first use). The last cases are the controls: the check sees both libraries
 * once a photo is decoded and a model started.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_MODEL, GOLDEN_DIR } from '../helpers/golden.js';
import { canReadMaps, nativeLibrariesOf } from '../helpers/nativeLibraries.js';

const CLI = 'dist/src/cli/main.js';
const moduleScript = (code: string) => ['--input-type=module', '-e', code];

describe.skipIf(!canReadMaps)('native code is loaded only when used', () => {
  it('faceparse --help loads neither', () => {
    const run = nativeLibrariesOf([CLI, '--help']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Usage: faceparse');
    expect(run.libraries).toEqual([]);
  });

  it('faceparse models list loads neither', () => {
    const run = nativeLibrariesOf([CLI, 'models', 'list']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.libraries).toEqual([]);
  });

  it("import('faceparse/metrics') and scoring load neither", () => {
    const run = nativeLibrariesOf(
      moduleScript(`
        const m = await import('faceparse/metrics');
        const cm = new m.ConfusionMatrix(3);
        cm.update(new Uint8Array([0, 1, 2, 2]), new Uint8Array([0, 1, 2, 1]));
        console.log(m.pixelAccuracy(cm));`),
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.libraries).toEqual([]);
  });

  it("import('faceparse/eval') and import('faceparse') load neither until used", () => {
    const run = nativeLibrariesOf(moduleScript(`await import('faceparse/eval'); const f = await import('faceparse'); console.log(typeof f.FaceParser);`));
    expect(run.status, run.stderr).toBe(0);
    expect(run.libraries).toEqual([]);
  });

  it('faceparse eval --pred --gt (scoring saved label maps) never loads onnxruntime', async () => {
    const { encodeLabelPng } = await import('../../src/platform/node/render.js');
    const dir = mkdtempSync(join(tmpdir(), 'faceparse-native-'));
    for (const sub of ['pred', 'gt']) mkdirSync(join(dir, sub));
    const mask = Uint8Array.from({ length: 64 * 48 }, (_, i) => (i % 64 < 32 ? 1 : 13));
    writeFileSync(join(dir, 'pred', 'a.png'), await encodeLabelPng(mask, 64, 48));
    writeFileSync(join(dir, 'gt', 'a.png'), await encodeLabelPng(mask, 64, 48));
    const run = nativeLibrariesOf([CLI, 'eval', '--pred', join(dir, 'pred'), '--gt', join(dir, 'gt')]);
    rmSync(dir, { recursive: true, force: true });
    expect(run.status, run.stderr).toBe(0);
    expect(run.libraries.filter((l) => /onnxruntime/.test(l))).toEqual([]);
  });

  it('control: decoding a photo loads libvips, starting a model loads onnxruntime', () => {
    const run = nativeLibrariesOf(
      moduleScript(`
        const { decodeImage, FaceParser } = await import('faceparse');
        await decodeImage(${JSON.stringify(`${GOLDEN_DIR}/images/jpeg_q90.jpg`)});
        const parser = await FaceParser.create({ model: ${JSON.stringify(TINY_MODEL)}, inferenceThread: false });
        await parser.close();`),
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.libraries.some((l) => /vips/.test(l))).toBe(true);
    expect(run.libraries.some((l) => /onnxruntime/.test(l))).toBe(true);
  });
});
