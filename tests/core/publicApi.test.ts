/**
 * The package entries work as the README shows them (built dist, imported by package name):
 * `import { FaceParser } from 'faceparse'`, and evaluation from its own entries. The main entry stays
 * small (at most 80 values), so that what a user needs first is not lost among the pieces.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_MODEL, GOLDEN_DIR } from '../helpers/golden.js';
import { ROOT } from '../helpers/nativeLibraries.js';

/** The runtime values each entry exports, imported by package name in a fresh Node. */
function entryValues(entries: readonly string[]): Record<string, string[]> {
  const script = `const out = {}; for (const e of ${JSON.stringify(entries)}) out[e] = Object.keys(await import(e)).sort(); console.log(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, cwd: ROOT });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, string[]>;
}

describe('package entry', () => {
  it('imports by package name and parses', () => {
    const script = `
      import { FaceParser, FaceParseError, CELEBAMASK_HQ_LABELS } from 'faceparse';
      const parser = await FaceParser.create({ model: ${JSON.stringify(TINY_MODEL)} });
      const result = await parser.parse(${JSON.stringify(`${GOLDEN_DIR}/images/jpeg_q90.jpg`)});
      const png = await result.toLabelPng();
      await parser.close();
      console.log(JSON.stringify({ w: result.width, h: result.height, labels: result.labels.length, png: png.length > 0,
        error: typeof FaceParseError, known: CELEBAMASK_HQ_LABELS.length }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ w: 480, h: 360, labels: 19, png: true, error: 'function', known: 19 });
  });

  it('the main entry exports at most 80 values; evaluation has its own entries, and each value has one home', () => {
    const exports = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports);
    // faceparse/web is the browser bundle (it needs a page); package.json is data.
    const nodeEntries = exports.filter((e) => e !== './web' && e !== './package.json').map((e) => (e === '.' ? 'faceparse' : `faceparse/${e.slice(2)}`));
    expect(nodeEntries).toEqual(expect.arrayContaining(['faceparse', 'faceparse/metrics', 'faceparse/datasets', 'faceparse/eval', 'faceparse/outputs']));
    const values = entryValues(nodeEntries);
    expect(values['faceparse']!.length).toBeLessThanOrEqual(80);
    expect(values['faceparse']).toEqual(
      expect.arrayContaining(['FaceParser', 'ParseResult', 'FaceParseError', 'createServer', 'decodeImage', 'resolveModel', 'renderColorMap']),
    );
    expect(values['faceparse/metrics']).toEqual(expect.arrayContaining(['ConfusionMatrix', 'meanIoU', 'pixelAccuracy', 'BoundaryF1']));
    expect(values['faceparse/datasets']).toEqual(expect.arrayContaining(['openDataset', 'readLabelMap', 'resolveLabelSet']));
    expect(values['faceparse/eval']).toEqual(expect.arrayContaining(['evaluate', 'formatTable', 'writeReport', 'createModelPredictor']));
    expect(values['faceparse/outputs']).toEqual(expect.arrayContaining(['encodeOutputs', 'writeOutputs', 'OUTPUT_KINDS']));
    // Evaluation is not said twice: none of its values is also in the main entry.
    const evaluation = new Set([...values['faceparse/metrics']!, ...values['faceparse/datasets']!, ...values['faceparse/eval']!]);
    expect(values['faceparse']!.filter((v) => evaluation.has(v))).toEqual([]);
  });
});
