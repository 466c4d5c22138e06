/**
 * SegFormer's rescale + normalize, bit for bit: for every 8-bit level of every channel, the float32
 * value of our tables (and of `preprocess` on a photo holding each level) equals what the reference
 * SegformerImageProcessorPil gives (tests/fixtures/preprocess/levels.json, written by
 * training/golden/make_preprocess_golden.py). The end-to-end parity tests allow for decoder and
 * model differences; here no tolerance: a float64 rescale, or a multiply by 1/std instead of the
 * division, is one float32 step off (about 1e-7) and fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePreprocessorConfig } from '../../src/models/segformer/config.js';
import { normalizationTables, preprocess } from '../../src/models/segformer/preprocess.js';
import { FIXTURES } from '../helpers/golden.js';

interface LevelsCase {
  name: string;
  preprocessor: { do_rescale: boolean; rescale_factor: number; do_normalize: boolean; image_mean: number[]; image_std: number[] };
  /** Per channel, the reference's float32 value of each level 0..255. */
  levels: number[][];
}

const golden = JSON.parse(readFileSync(join(FIXTURES, 'preprocess', 'levels.json'), 'utf8')) as { cases: LevelsCase[] };

/** Where two float32 arrays differ, as `channel/level: ours vs reference` (empty when equal bit for bit). */
function differences(ours: ArrayLike<number>, reference: readonly number[], label: string): string[] {
  const out: string[] = [];
  for (let v = 0; v < reference.length; v++) if (!Object.is(ours[v], reference[v])) out.push(`${label}/${v}: ${ours[v]} vs ${reference[v]}`);
  return out;
}

describe('preprocessing against the reference, every 8-bit level', () => {
  it('covers the models’ own config and others', () => {
    expect(golden.cases.map((c) => c.name)).toEqual(expect.arrayContaining(['imagenet', 'half', 'odd', 'rescale_only']));
    for (const c of golden.cases) for (const table of c.levels) expect(table.every((v) => Math.fround(v) === v)).toBe(true);
  });

  describe.each(golden.cases)('$name', (c) => {
    const config = parsePreprocessorConfig({ ...c.preprocessor, do_resize: false, size: { height: 1, width: 256 }, resample: 2 });

    it('normalizationTables equal the reference bit for bit', () => {
      const tables = normalizationTables(config);
      expect(tables.flatMap((table, channel) => differences(table, c.levels[channel]!, `${channel}`))).toEqual([]);
    });

    it('preprocess of a photo holding every level equals the reference bit for bit', () => {
      // One row of 256 pixels; channel c of pixel x is level (x + 85 c) mod 256, as the script draws it.
      const data = new Uint8Array(256 * 3);
      for (let x = 0; x < 256; x++) for (let ch = 0; ch < 3; ch++) data[3 * x + ch] = (x + 85 * ch) % 256;
      const { data: values } = preprocess({ data, width: 256, height: 1 }, config, normalizationTables(config));
      const problems: string[] = [];
      for (let ch = 0; ch < 3; ch++) {
        const byLevel = new Float32Array(256);
        for (let x = 0; x < 256; x++) byLevel[data[3 * x + ch]!] = values[ch * 256 + x]!;
        problems.push(...differences(byLevel, c.levels[ch]!, `${ch}`));
      }
      expect(problems).toEqual([]);
    });
  });
});
