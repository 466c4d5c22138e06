/**
 * The legend of a label map as SVG: colour swatch, readable class name and share per class.
 * Pure (a string out, no sharp), so a browser can show or rasterise the same legend.
 */
import { escapeXml } from '../base/text.js';
import { FaceParseError } from '../base/errors.js';
import { describeLabel } from '../base/labels.js';
import type { LabelSummary } from '../postprocess/summary.js';
import { resolvePalette, tableColour, type PaletteInput, type Rgb } from './palette.js';

export const LEGEND_FONT_FAMILY = 'DejaVu Sans, Arial, sans-serif';

export interface LegendOptions {
  /** Class ids to list. Default: the classes with a share > 0 when `shares` is given, else every class. */
  present?: readonly number[];
  /** Share of each class, 0..1, indexed by class id (or a `summarizeLabels` result): shown as a percentage. */
  shares?: ArrayLike<number> | LabelSummary;
  /** Row order: by class id, or by share, largest first. Default 'id'. */
  sort?: 'id' | 'share';
  /** Font size in px; swatches, rows and padding scale with it. Default 14. */
  fontSize?: number;
  /**
   * Lay the rows out in as many columns as fit this width (px), top to bottom then left to right.
   * Default: one column.
   */
  maxWidth?: number;
  /** Background colour (any SVG colour). Default 'white'. */
  background?: string;
  /** Text colour. Default '#202020'. */
  textColour?: string;
}

export interface LegendEntry {
  id: number;
  /** The model's class name. */
  label: string;
  /** What the legend shows: the readable name where known (`eye_g` → `eyeglasses`), else the label. */
  text: string;
  colour: Rgb;
  /** 0..1, when shares were given. */
  share?: number;
}

export interface LegendLayout {
  svg: string;
  width: number;
  height: number;
  entries: LegendEntry[];
  columns: number;
  rows: number;
}

/** Readable name of a class label (src/base/labels.ts): the human name where known, else the label itself. */
export { describeLabel };

/** A share as the legend prints it: one decimal, `<0.1%` for tiny non-zero shares. */
export function formatShare(share: number): string {
  if (share > 0 && share < 0.0005) return '<0.1%';
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * Width of a text in DejaVu Sans, in em, estimated per character class (no font metrics in pure code).
 * Slightly generous so text never overflows its column.
 */
function textWidthEm(text: string): number {
  let w = 0;
  for (const ch of text) {
    if (/[ilj.,:;'|!]/.test(ch)) w += 0.3;
    else if (/[ftr ()\-[\]]/.test(ch)) w += 0.42;
    else if (/[mwMW%@]/.test(ch)) w += 0.95;
    else if (/[A-Z0-9]/.test(ch)) w += 0.7;
    else w += 0.63;
  }
  return w;
}

function sharesOf(shares: LegendOptions['shares']): ArrayLike<number> | undefined {
  if (shares === undefined) return undefined;
  if (typeof shares === 'object' && shares !== null && 'classes' in shares && Array.isArray(shares.classes)) {
    const table: number[] = [];
    for (const c of [...shares.classes, ...shares.unknown]) table[c.id] = c.share;
    return table;
  }
  return shares as ArrayLike<number>;
}

/** Which classes the legend lists, in order, with colour, readable text and share. */
export function legendEntries(labelNames: readonly string[], palette: PaletteInput | undefined, options: LegendOptions = {}): LegendEntry[] {
  const table = resolvePalette(palette ?? labelNames);
  const shares = sharesOf(options.shares);
  let ids: number[];
  if (options.present) {
    ids = [...options.present];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id > 255) {
        throw new FaceParseError('INVALID_ARGUMENT', `legend: present must hold class ids 0..255; got ${String(id)}`);
      }
    }
    ids = [...new Set(ids)].sort((a, b) => a - b);
  } else if (shares) {
    ids = [];
    for (let id = 0; id < Math.max(labelNames.length, shares.length); id++) if ((shares[id] ?? 0) > 0) ids.push(id);
  } else {
    ids = labelNames.map((_, id) => id);
  }
  const entries = ids.map((id): LegendEntry => {
    const label = id < labelNames.length ? String(labelNames[id]) : `unknown_${id}`;
    const entry: LegendEntry = { id, label, text: describeLabel(label), colour: tableColour(table, id) };
    if (shares) entry.share = shares[id] ?? 0;
    return entry;
  });
  if (options.sort === 'share') entries.sort((a, b) => (b.share ?? 0) - (a.share ?? 0) || a.id - b.id);
  return entries;
}

/**
 * The legend as an SVG document with its pixel size. Rows: swatch (with a thin border so black and
 * white swatches show), readable name, and the share right-aligned when shares are given.
 */
export function legendSvg(labelNames: readonly string[], palette: PaletteInput | undefined, options: LegendOptions = {}): LegendLayout {
  const fontSize = options.fontSize ?? 14;
  if (typeof fontSize !== 'number' || !(fontSize >= 4 && fontSize <= 1000)) {
    throw new FaceParseError('INVALID_ARGUMENT', `legend: fontSize must be a number of px 4..1000; got ${String(fontSize)}`);
  }
  const entries = legendEntries(labelNames, palette, options);
  const pad = Math.round(fontSize * 0.7);
  const rowHeight = Math.round(fontSize * 1.6);
  const swatch = Math.round(fontSize * 1.1);
  const gap = Math.round(fontSize * 0.6);
  const withShares = entries.some((e) => e.share !== undefined);
  const nameWidth = Math.ceil(Math.max(0, ...entries.map((e) => textWidthEm(e.text))) * fontSize);
  const shareWidth = withShares ? Math.ceil(Math.max(...entries.map((e) => textWidthEm(formatShare(e.share ?? 0)))) * fontSize) : 0;
  const columnWidth = swatch + gap + nameWidth + (withShares ? 2 * gap + shareWidth : 0);
  const columnGap = 2 * pad;

  let columns = 1;
  if (options.maxWidth !== undefined) {
    const fit = Math.floor((options.maxWidth - 2 * pad + columnGap) / (columnWidth + columnGap));
    columns = Math.max(1, Math.min(fit, entries.length));
  }
  const rows = Math.max(1, Math.ceil(entries.length / columns));
  columns = Math.max(1, Math.ceil(entries.length / rows));
  const width = 2 * pad + columns * columnWidth + (columns - 1) * columnGap;
  // The last row needs only its swatch's height; the padding holds the text's descenders.
  const height = 2 * pad + (rows - 1) * rowHeight + swatch;

  const text = options.textColour ?? '#202020';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="${escapeXml(options.background ?? 'white')}"/>`,
    `<g font-family="${LEGEND_FONT_FAMILY}" font-size="${fontSize}" fill="${escapeXml(text)}">`,
  ];
  const stroke = Math.max(1, Math.round(fontSize / 14));
  entries.forEach((e, index) => {
    const column = Math.floor(index / rows);
    const row = index % rows;
    const x = pad + column * (columnWidth + columnGap);
    const y = pad + row * rowHeight;
    const baseline = y + Math.round(swatch * 0.8);
    const [r, g, b] = e.colour;
    parts.push(
      `<rect x="${x + stroke / 2}" y="${y + stroke / 2}" width="${swatch - stroke}" height="${swatch - stroke}" ` +
        `fill="rgb(${r},${g},${b})" stroke="#808080" stroke-width="${stroke}"/>`,
      `<text x="${x + swatch + gap}" y="${baseline}">${escapeXml(e.text)}</text>`,
    );
    if (e.share !== undefined) {
      parts.push(`<text x="${x + columnWidth}" y="${baseline}" text-anchor="end">${escapeXml(formatShare(e.share))}</text>`);
    }
  });
  parts.push('</g></svg>');
  return { svg: parts.join(''), width, height, entries, columns, rows };
}
