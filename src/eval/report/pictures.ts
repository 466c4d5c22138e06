/**
 * Report pictures, drawn as SVG and rasterised to PNG by sharp: a row-normalised confusion-matrix
 * heatmap, a per-class F1 / boundary F1 bar chart, and gallery rows (photo | ground truth |
 * prediction | error map) for the worst images.
 */
import { loadSharp } from '../../platform/node/sharp.js';
import { escapeXml } from '../../base/text.js';
import type { ImageInput } from '../../base/types.js';
import type { LabelMap } from '../../metrics/labelMap.js';
import { paletteFor } from '../../visualize/palette.js';
import type { ViewReport, WorstImage } from '../types.js';

const FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';

/** Blues: white at 0, dark blue at 1. */
function blue(value: number): string {
  const lerp = (a: number, b: number) => Math.round(a + (b - a) * value);
  return `rgb(${lerp(247, 8)},${lerp(251, 48)},${lerp(255, 107)})`;
}

export async function svgToPng(svg: string): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Row-normalised confusion matrix (each ground-truth row sums to 100%) with class names. */
export function confusionHeatmapSvg(view: ViewReport, title = 'Confusion matrix (rows: ground truth, normalised; columns: prediction)'): string {
  const { labels, confusion } = view;
  const n = labels.length;
  const cell = 34;
  const left = 110;
  const top = 130;
  const width = left + n * cell + 20;
  const height = top + n * cell + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="${FONT}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${left + (n * cell) / 2}" y="${height - 12}" font-size="13" text-anchor="middle">prediction</text>`,
  ];
  for (let t = 0; t < n; t++) {
    let rowSum = 0;
    for (let p = 0; p < n; p++) rowSum += confusion.counts[t * n + p];
    const y = top + t * cell;
    parts.push(`<text x="${left - 6}" y="${y + cell / 2 + 4}" font-size="12" text-anchor="end">${escapeXml(labels[t])}</text>`);
    for (let p = 0; p < n; p++) {
      const x = left + p * cell;
      if (rowSum === 0) {
        parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="#e6e6e6" stroke="white"/>`);
        continue;
      }
      const value = confusion.counts[t * n + p] / rowSum;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blue(value)}" stroke="white"/>`);
      if (value >= 0.005) {
        const label = value >= 0.995 ? '100' : (value * 100).toFixed(value < 0.1 ? 1 : 0);
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" font-size="10" text-anchor="middle" fill="${value > 0.5 ? 'white' : 'black'}">${label}</text>`,
        );
      }
    }
    if (rowSum === 0) {
      parts.push(`<text x="${left + 4}" y="${y + cell / 2 + 4}" font-size="10" fill="#666">absent from the ground truth</text>`);
    }
  }
  for (let p = 0; p < n; p++) {
    const x = left + p * cell + cell / 2 + 4;
    parts.push(`<text transform="translate(${x},${top - 6}) rotate(-60)" font-size="12">${escapeXml(labels[p])}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars: region F1 and boundary F1 per class; absent classes are labelled so. */
export function f1BarChartSvg(view: ViewReport, title = 'F1 per class'): string {
  const rowHeight = 30;
  const left = 110;
  const barWidth = 500;
  const top = 60;
  const width = left + barWidth + 90;
  const height = top + view.perClass.length * rowHeight + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="${FONT}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<rect x="${left}" y="34" width="12" height="10" fill="#2b6cb0"/><text x="${left + 16}" y="43" font-size="11">F1 (region)</text>`,
    `<rect x="${left + 110}" y="34" width="12" height="10" fill="#dd6b20"/><text x="${left + 126}" y="43" font-size="11">boundary F1</text>`,
  ];
  for (let g = 0; g <= 4; g++) {
    const x = left + (g / 4) * barWidth;
    parts.push(`<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 16}" stroke="#ddd"/>`);
    parts.push(`<text x="${x}" y="${height - 4}" font-size="10" text-anchor="middle">${g * 25}%</text>`);
  }
  view.perClass.forEach((c, i) => {
    const y = top + i * rowHeight;
    parts.push(`<text x="${left - 6}" y="${y + 17}" font-size="12" text-anchor="end">${escapeXml(c.name)}</text>`);
    const bar = (value: number | null, dy: number, colour: string) => {
      if (value === null) {
        parts.push(`<text x="${left + 4}" y="${y + dy + 10}" font-size="10" fill="#666">absent</text>`);
        return;
      }
      parts.push(`<rect x="${left}" y="${y + dy}" width="${(value * barWidth).toFixed(1)}" height="11" fill="${colour}"/>`);
      parts.push(`<text x="${left + value * barWidth + 4}" y="${y + dy + 10}" font-size="10">${(value * 100).toFixed(1)}</text>`);
    };
    bar(c.f1, 3, '#2b6cb0');
    bar(c.boundaryF1, 15, '#dd6b20');
  });
  parts.push('</svg>');
  return parts.join('');
}

/** RGB pixels of a label map in the labels' palette. */
export function colorizeLabelMap(map: LabelMap, labels: readonly string[]): Buffer {
  const palette = paletteFor(labels);
  const out = Buffer.alloc(map.width * map.height * 3, 128); // ids outside the set (void) stay grey
  for (let i = 0; i < map.mask.length; i++) {
    const colour = palette[map.mask[i]];
    if (colour) {
      out[i * 3] = colour[0];
      out[i * 3 + 1] = colour[1];
      out[i * 3 + 2] = colour[2];
    }
  }
  return out;
}

/** Wrong pixels red over the dimmed photo (or black); ignored target pixels grey. */
export function errorMapPixels(prediction: LabelMap, target: LabelMap, photo: Buffer | undefined, ignoreIndex?: number): Buffer {
  const out = Buffer.alloc(target.width * target.height * 3);
  for (let i = 0; i < target.mask.length; i++) {
    const o = i * 3;
    if (target.mask[i] === ignoreIndex) {
      out.fill(110, o, o + 3);
    } else if (prediction.mask[i] !== target.mask[i]) {
      out[o] = 235;
      out[o + 1] = 30;
      out[o + 2] = 30;
    } else if (photo) {
      const grey = Math.round((photo[o] * 0.299 + photo[o + 1] * 0.587 + photo[o + 2] * 0.114) * 0.35);
      out.fill(grey, o, o + 3);
    }
  }
  return out;
}

/** The photo as RGB pixels at the given size. */
export async function photoPixels(input: ImageInput, width: number, height: number): Promise<Buffer> {
  const sharp = await loadSharp();
  const image =
    typeof input === 'string' || Buffer.isBuffer(input) || input instanceof Uint8Array
      ? sharp(input as string | Buffer).rotate()
      : sharp(input.data, { raw: { width: input.width, height: input.height, channels: input.channels ?? 3 } });
  return image.resize(width, height, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
}

/** One gallery row: photo | ground truth | prediction | error map, each `tile` pixels wide, with captions. */
export async function galleryRowPng(
  image: WorstImage,
  rank: number,
  labels: readonly string[],
  options: { tile?: number; ignoreIndex?: number; caption: string },
): Promise<Buffer> {
  const sharp = await loadSharp();
  const { target, prediction } = image;
  const tile = options.tile ?? 256;
  const tileHeight = Math.max(1, Math.round((tile * target.height) / target.width));
  const header = 46;
  const gap = 6;
  let photo: Buffer | undefined;
  if (image.loadPhoto) photo = await photoPixels(await image.loadPhoto(), target.width, target.height);
  const raw = { width: target.width, height: target.height, channels: 3 as const };
  const tiles: Array<{ pixels: Buffer; kernel: 'nearest' | 'lanczos3'; title: string }> = [
    ...(photo ? [{ pixels: photo, kernel: 'lanczos3' as const, title: 'photo' }] : []),
    { pixels: colorizeLabelMap(target, labels), kernel: 'nearest', title: 'ground truth' },
    { pixels: colorizeLabelMap(prediction, labels), kernel: 'nearest', title: 'prediction' },
    { pixels: errorMapPixels(prediction, target, photo, options.ignoreIndex), kernel: 'nearest', title: 'errors (red)' },
  ];
  const width = tiles.length * tile + (tiles.length - 1) * gap;
  const height = header + tileHeight;
  const resized = await Promise.all(tiles.map((t) => sharp(t.pixels, { raw }).resize(tile, tileHeight, { fit: 'fill', kernel: t.kernel }).png().toBuffer()));
  const captions =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${header}" font-family="${FONT}">` +
    `<text x="2" y="16" font-size="13" font-weight="bold">#${rank} ${escapeXml(image.id)}</text>` +
    `<text x="2" y="32" font-size="11">${escapeXml(options.caption)}</text>` +
    tiles.map((t, i) => `<text x="${i * (tile + gap) + 2}" y="${header - 3}" font-size="11" fill="#444">${t.title}</text>`).join('') +
    '</svg>';
  return sharp({ create: { width, height, channels: 3, background: 'white' } })
    .composite([{ input: Buffer.from(captions), left: 0, top: 0 }, ...resized.map((input, i) => ({ input, left: i * (tile + gap), top: header }))])
    .removeAlpha() // the caption SVG brings an alpha channel; the canvas is opaque
    .png()
    .toBuffer();
}
