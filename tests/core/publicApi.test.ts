/** The package entry works as the README shows it: `import { FaceParser } from 'faceparse'` (built dist). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TINY_MODEL, GOLDEN_DIR } from '../helpers/golden.js';

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
});
