/**
 * `--report DIR`: confusion.png, f1.png, gallery/<rank>-<id>.png for the worst images, and index.html
 * tying them together with the summary and the per-class table (plus the merged-sides view when scored).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvalResult, ViewReport } from '../types.js';
import { escapeXml } from '../../base/text.js';
import { confusionHeatmapSvg, f1BarChartSvg, galleryRowPng, svgToPng } from './pictures.js';
import { percent } from './text.js';

export interface ReportOptions {
  /** Ignore index used for scoring, greyed out in error maps. */
  ignoreIndex?: number;
  /** Gallery tile width in pixels (default 256). */
  tile?: number;
}

export interface WrittenReport {
  /** Paths of the files written, index.html first. */
  files: string[];
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
}

function classTable(view: ViewReport): string {
  const rows = view.perClass
    .map(
      (c) =>
        `<tr><td>${escapeXml(c.name)}</td><td>${percent(c.iou)}</td><td>${percent(c.f1)}</td><td>${percent(c.boundaryF1)}</td>` +
        `<td>${percent(c.accuracy)}</td><td>${percent(c.pixelShare, 3)}</td></tr>`,
    )
    .join('\n');
  return (
    '<table><thead><tr><th>class</th><th>IoU %</th><th>F1 %</th><th>boundary F1 %</th><th>accuracy %</th><th>pixel share %</th></tr></thead>' +
    `<tbody>\n${rows}\n</tbody></table>`
  );
}

function summaryTable(view: ViewReport, images: number): string {
  const s = view.summary;
  const cells: Array<[string, string]> = [
    ['images', String(images)],
    ['pixel accuracy', `${percent(s.pixelAccuracy)}%`],
    ['mean class accuracy', `${percent(s.meanClassAccuracy)}%`],
    ['mIoU', `${percent(s.meanIoU)}%`],
    ['mIoU without background', `${percent(s.meanIoUNoBackground)}%`],
    ['mean F1 (non-background, accumulated)', `${percent(s.meanF1)}%`],
    ['boundary F1 (mean over images)', `${percent(s.boundaryF1)}%`],
  ];
  return `<table class="summary">${cells.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

export async function writeReport(result: EvalResult, dir: string, options: ReportOptions = {}): Promise<WrittenReport> {
  await mkdir(join(dir, 'gallery'), { recursive: true });
  const files: string[] = [];
  const write = async (name: string, data: Buffer | string) => {
    const path = join(dir, name);
    await writeFile(path, data);
    files.push(path);
  };
  await write('confusion.png', await svgToPng(confusionHeatmapSvg(result)));
  await write('f1.png', await svgToPng(f1BarChartSvg(result)));
  if (result.mergedSides) {
    await write('confusion-merged-sides.png', await svgToPng(confusionHeatmapSvg(result.mergedSides, 'Confusion matrix, merged sides')));
    await write('f1-merged-sides.png', await svgToPng(f1BarChartSvg(result.mergedSides, 'F1 per class, merged sides')));
  }
  const gallery: string[] = [];
  for (const [i, image] of result.worst.entries()) {
    const name = `gallery/${String(i + 1).padStart(2, '0')}-${safeName(image.id)}.png`;
    const caption =
      `mean F1 ${percent(image.meanF1)}%  mIoU ${percent(image.meanIoU)}%  boundary F1 ${percent(image.boundaryF1)}%  ` +
      `pixel accuracy ${percent(image.pixelAccuracy)}%`;
    await write(name, await galleryRowPng(image, i + 1, result.labels, { caption, tile: options.tile, ignoreIndex: options.ignoreIndex }));
    gallery.push(`<figure><img src="${name}" alt="${escapeXml(image.id)}"></figure>`);
  }
  const skipped =
    result.skipped.length === 0
      ? ''
      : `<h2>Skipped samples (${result.skipped.length})</h2><ul>${result.skipped
          .map((s) => `<li><code>${escapeXml(s.id)}</code>: ${escapeXml(s.reason)}</li>`)
          .join('')}</ul>`;
  const merged = result.mergedSides
    ? `<h2>Merged sides (left/right eye, brow, ear as one class)</h2>${summaryTable(result.mergedSides, result.images)}` +
      `${classTable(result.mergedSides)}<img src="f1-merged-sides.png" alt="F1 per class, merged sides">` +
      '<img src="confusion-merged-sides.png" alt="confusion matrix, merged sides">'
    : '';
  const tolerance =
    result.tolerance.pixels !== undefined
      ? `${result.tolerance.pixels} px`
      : `${((result.tolerance.fraction ?? 0.0075) * 100).toFixed(2)}% of the image diagonal`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faceparse eval</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 0 0 1.5em 0; }
img { max-width: 100%; }
</style></head><body>
<h1>faceparse eval</h1>
<p>Mean F1 is computed over the non-background classes from the confusion matrix accumulated over the whole set.
Boundary F1 (bfscore) uses a tolerance of ${tolerance}; an image's score is the mean over the classes in its ground truth.
"absent" marks a class in neither ground truth nor prediction (IoU, F1) or not in any ground truth (accuracy, boundary F1).</p>
${summaryTable(result, result.images)}
<h2>Per class</h2>
${classTable(result)}
<img src="f1.png" alt="F1 per class">
<h2>Confusion matrix</h2>
<img src="confusion.png" alt="confusion matrix">
<h2>Worst ${result.worst.length} images by ${result.worstBy}</h2>
${gallery.join('\n')}
${merged}
${skipped}
</body></html>
`;
  const indexPath = join(dir, 'index.html');
  await writeFile(indexPath, html);
  return { files: [indexPath, ...files] };
}
