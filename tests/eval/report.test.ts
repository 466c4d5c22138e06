import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { formatMarkdown, formatTable, summaryLine, toJsonReport } from '../../src/eval/report/text.js';
import { writeReport } from '../../src/eval/report/writeReport.js';
import { evaluate } from '../../src/eval/runner.js';
import type { EvalSample } from '../../src/eval/types.js';
import { tempDir } from '../datasets/helpers.js';

const LABELS = ['background', 'skin', 'hair', 'hat'];

function sample(id: string, prediction: number[], target: number[], width: number, height: number): EvalSample {
  return {
    id,
    predictionSource: id,
    targetSource: id,
    loadPrediction: async () => ({ width, height, mask: Uint8Array.from(prediction) }),
    loadTarget: async () => ({ width, height, mask: Uint8Array.from(target) }),
  };
}

// hat (3) absent everywhere
const samples = [sample('a', [0, 1, 2, 2], [0, 1, 1, 2], 2, 2), sample('b', [1, 1, 0, 0], [1, 1, 0, 0], 2, 2)];

describe('text reports', () => {
  it('the table has a row per class with IoU, F1, boundary F1 and pixel share, "absent" where a class is', async () => {
    const result = await evaluate(samples, { labels: LABELS });
    const text = formatTable(result);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^class\s+IoU %\s+F1 %\s+boundary F1 %\s+pixel share %$/);
    expect(lines.find((l) => l.startsWith('skin'))).toMatch(/^skin\s+75\.00\s+85\.71\s+\d+\.\d\d\s+50\.000$/);
    expect(lines.find((l) => l.startsWith('hat'))).toMatch(/^hat\s+absent\s+absent\s+absent\s+0\.000$/);
    expect(text.trimEnd().split('\n').at(-1)).toBe(summaryLine(result.summary, 2));
    expect(summaryLine(result.summary, 2)).toMatch(
      /^pixel accuracy 87\.50% {2}mIoU 75\.00% \(without background 62\.50%\) {2}mean F1 76\.19% \(non-background, accumulated\) {2}boundary F1 \d+\.\d\d% {2}over 2 images$/,
    );
  });

  it('JSON: summary numbers at the top, perClass by name, null for absent, the confusion matrix', async () => {
    const result = await evaluate(samples, { labels: LABELS, mergeSides: true });
    const json = JSON.parse(JSON.stringify(toJsonReport(result)));
    expect(json.pixelAccuracy).toBe(7 / 8);
    expect(json.meanIoU).toBeCloseTo(3 / 4, 15);
    expect(json.meanF1).toBeCloseTo((6 / 7 + 2 / 3) / 2, 15);
    expect(json.boundaryF1).toBe(result.summary.boundaryF1);
    expect(json.perClass.skin.iou).toBe(3 / 4);
    expect(json.perClass.hat.iou).toBeNull();
    expect(json.perClass.hat.boundaryF1).toBeNull();
    expect(json.confusionMatrix[1]).toEqual([0, 3, 1, 0]);
    expect(json.perImage.map((p: { id: string }) => p.id)).toEqual(['a', 'b']);
    expect(json.mergedSides.labels).toEqual(LABELS); // no left/right pairs here
    expect(json.skipped).toEqual([]);
  });

  it('Markdown: summary table and per-class table', async () => {
    const md = formatMarkdown(await evaluate(samples, { labels: LABELS }));
    expect(md).toContain('| class | IoU % | F1 % | boundary F1 % | pixel share % |');
    expect(md).toContain('| skin | 75.00 | 85.71 |');
    expect(md).toMatch(/\| 87\.50 \| 75\.00 \| 62\.50 \| 76\.19 \|/);
  });
});

describe('writeReport', () => {
  const dir = tempDir();

  it('writes the heatmap, the F1 chart, a gallery row per worst image and an HTML page that shows them', async () => {
    const width = 40;
    const height = 30;
    const target = new Array(width * height).fill(0).map((_, i) => (i % width < 20 ? 1 : 2));
    const shifted = target.map((_, i) => (i % width < 24 ? 1 : 2));
    const result = await evaluate([sample('good', target, target, width, height), sample('bad/one', shifted, target, width, height)], {
      labels: LABELS,
      worst: 1,
      mergeSides: true,
    });
    const { files } = await writeReport(result, dir);
    const names = files.map((f) => f.slice(dir.length + 1));
    expect(names).toEqual(['index.html', 'confusion.png', 'f1.png', 'confusion-merged-sides.png', 'f1-merged-sides.png', 'gallery/01-bad_one.png']);
    const heatmap = await sharp(join(dir, 'confusion.png')).metadata();
    expect([heatmap.width, heatmap.height]).toEqual([110 + 4 * 34 + 20, 130 + 4 * 34 + 40]);
    // no photo: ground truth | prediction | errors, 256 px each, 6 px apart; 46 px of captions
    const row = await sharp(join(dir, 'gallery/01-bad_one.png')).raw().toBuffer({ resolveWithObject: true });
    expect([row.info.width, row.info.height]).toEqual([3 * 256 + 2 * 6, 46 + 192]);
    // the error tile is red where the prediction is wrong (columns 20..23 of 40), black where right
    const pixel = (x: number, y: number) => Array.from(row.data.subarray((y * row.info.width + x) * 3, (y * row.info.width + x) * 3 + 3));
    const errorsLeft = 2 * (256 + 6);
    expect(pixel(errorsLeft + Math.round(21.5 * 6.4), 46 + 100)).toEqual([235, 30, 30]);
    expect(pixel(errorsLeft + 5 * 6.4, 46 + 100)).toEqual([0, 0, 0]);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const name of names.slice(1)) expect(html).toContain(`src="${name}"`);
    expect(html).toContain('Worst 1 images by meanF1');
  });
});
