/** The report as a terminal table, as Markdown, and as one JSON object. */
import type { ClassScore } from '../../metrics/scores.js';
import type { EvalResult, Summary, ViewReport } from '../types.js';

/** 0.8123 -> "81.23"; absent -> "absent". */
export function percent(value: ClassScore, digits = 2): string {
  return value === null ? 'absent' : (value * 100).toFixed(digits);
}

function toleranceText(result: EvalResult): string {
  return result.tolerance.pixels !== undefined
    ? `${result.tolerance.pixels} px`
    : `${((result.tolerance.fraction ?? 0.0075) * 100).toFixed(2)}% of the diagonal`;
}

/** One line: the headline numbers. */
export function summaryLine(summary: Summary, images: number): string {
  return (
    `pixel accuracy ${percent(summary.pixelAccuracy)}%  mIoU ${percent(summary.meanIoU)}% ` +
    `(without background ${percent(summary.meanIoUNoBackground)}%)  mean F1 ${percent(summary.meanF1)}% ` +
    `(non-background, accumulated)  boundary F1 ${percent(summary.boundaryF1)}%  over ${images} image${images === 1 ? '' : 's'}`
  );
}

const COLUMNS = ['class', 'IoU %', 'F1 %', 'boundary F1 %', 'pixel share %'] as const;

function rows(view: ViewReport): string[][] {
  return view.perClass.map((c) => [c.name, percent(c.iou), percent(c.f1), percent(c.boundaryF1), percent(c.pixelShare, 3)]);
}

function alignedTable(header: readonly string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function markdownTable(header: readonly string[], body: string[][]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

function skippedLines(result: EvalResult): string[] {
  if (result.skipped.length === 0) return [];
  return [`skipped ${result.skipped.length} bad sample(s):`, ...result.skipped.map((s) => `  ${s.id}: ${s.reason}`)];
}

/** Per-class table, the merged-sides table when computed, skipped samples, then the summary line. */
export function formatTable(result: EvalResult): string {
  const parts = [alignedTable(COLUMNS, rows(result))];
  if (result.mergedSides) {
    parts.push('', 'merged sides (left/right counted as one class):', alignedTable(COLUMNS, rows(result.mergedSides)));
    parts.push(summaryLine(result.mergedSides.summary, result.images).replace(/^/, 'merged sides: '));
  }
  parts.push(...skippedLines(result).map((l, i) => (i === 0 ? `\n${l}` : l)));
  parts.push('', `boundary tolerance: ${toleranceText(result)}`, summaryLine(result.summary, result.images));
  return parts.join('\n') + '\n';
}

export function formatMarkdown(result: EvalResult): string {
  const s = result.summary;
  const parts = [
    '# faceparse eval',
    '',
    `${result.images} images; boundary tolerance ${toleranceText(result)}.`,
    '',
    markdownTable(
      ['pixel accuracy %', 'mIoU %', 'mIoU without background %', 'mean F1 % (non-background, accumulated)', 'boundary F1 %'],
      [[percent(s.pixelAccuracy), percent(s.meanIoU), percent(s.meanIoUNoBackground), percent(s.meanF1), percent(s.boundaryF1)]],
    ),
    '',
    '## Per class',
    '',
    markdownTable(COLUMNS, rows(result)),
  ];
  if (result.mergedSides) {
    const m = result.mergedSides.summary;
    parts.push(
      '',
      '## Merged sides (left/right counted as one class)',
      '',
      `mIoU ${percent(m.meanIoU)}%, mean F1 ${percent(m.meanF1)}%, boundary F1 ${percent(m.boundaryF1)}%.`,
      '',
      markdownTable(COLUMNS, rows(result.mergedSides)),
    );
  }
  if (result.skipped.length > 0) {
    parts.push('', '## Skipped', '', ...result.skipped.map((x) => `- \`${x.id}\`: ${x.reason}`));
  }
  return parts.join('\n') + '\n';
}

function viewJson(view: ViewReport) {
  const m = view.confusion;
  return {
    labels: [...view.labels],
    ...view.summary,
    perClass: Object.fromEntries(view.perClass.map(({ name, ...scores }) => [name, scores])),
    /** rows: ground truth, columns: prediction, pixel counts */
    confusionMatrix: Array.from({ length: m.numClasses }, (_, t) => Array.from(m.counts.subarray(t * m.numClasses, (t + 1) * m.numClasses))),
  };
}

/**
 * The report as one JSON-ready object: the summary numbers at the top level (pixelAccuracy, meanIoU,
 * meanIoUNoBackground, meanF1, boundaryF1, ...), perClass by class name, the confusion matrix, per-image
 * scores, the worst images' ids and skipped samples. Absent classes are null.
 */
export function toJsonReport(result: EvalResult) {
  return {
    images: result.images,
    ...viewJson(result),
    boundaryTolerance: result.tolerance,
    mergedSides: result.mergedSides ? viewJson(result.mergedSides) : undefined,
    worstBy: result.worstBy,
    worst: result.worst.map(({ id, pixelAccuracy, meanIoU, meanF1, boundaryF1 }) => ({ id, pixelAccuracy, meanIoU, meanF1, boundaryF1 })),
    perImage: result.perImage,
    skipped: result.skipped,
  };
}
