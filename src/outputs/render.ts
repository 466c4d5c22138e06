/**
 * Encoded pictures of label maps: label PNGs, colour maps with legend, overlays, legends and
 * per-class binary masks, on any platform's `ImageCodec` (`createRenderer`). The pixel work is in
 * `visualize/pixels.ts`; this file only lays out and encodes.
 */
import type { ImageCodec } from '../platform/types.js';
import { FaceParseError } from '../base/errors.js';
import { summarizeLabels, type LabelSummary } from '../postprocess/summary.js';
import { greyToPalettePng } from '../image/labelPng.js';
import { drawBoxes, type Box } from '../visualize/boxes.js';
import { legendSvg, type LegendOptions } from '../visualize/legend.js';
import { resolvePalette, type PaletteInput } from '../visualize/palette.js';
import { checkMask, classMask, colorizeInto, labelHistogram, overlay, type OverlayOptions } from '../visualize/pixels.js';

/**
 * Default zlib level of the PNGs written here. Label maps are long runs of a few values, so zlib's
 * fast levels already find nearly all the redundancy: see `bench/visualize.ts` for size and time per level.
 */
export const DEFAULT_PNG_COMPRESSION = 2;

function checkLevel(where: string, level: number): number {
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new FaceParseError('INVALID_ARGUMENT', `${where}: compressionLevel must be an integer 0..9; got ${String(level)}`);
  }
  return level;
}

export interface LabelPngOptions {
  /** zlib level 0..9. Default `DEFAULT_PNG_COMPRESSION`. */
  compressionLevel?: number;
  /** libpng's adaptive row filters. Default false: on label maps they cost 4-7x the time (bench/visualize.ts). */
  adaptiveFiltering?: boolean;
  /**
   * Write a palette PNG (indices = class ids, as CelebAMask-HQ stores masks) coloured by this palette
   * instead of a greyscale one: viewers show colours, tools still read exact ids. All 256 entries are
   * written (as in CelebAMask-HQ's files), so any id is a valid index.
   */
  palette?: PaletteInput;
}

/**
 * The mask as a lossless PNG whose pixel values are the class ids: 8-bit greyscale by default, or an
 * 8-bit palette PNG with `palette` (the same pixel bytes under a palette header). `decodeLabelPng` reads both.
 */
async function encodeLabelPng(codec: ImageCodec, mask: Uint8Array, width: number, height: number, options: LabelPngOptions = {}): Promise<Uint8Array> {
  checkMask('encodeLabelPng', mask, width, height);
  const compressionLevel = checkLevel('encodeLabelPng', options.compressionLevel ?? DEFAULT_PNG_COMPRESSION);
  const table = options.palette === undefined ? null : resolvePalette(options.palette);
  const grey = await codec.encodePng(mask, width, height, 1, { compressionLevel, adaptiveFiltering: options.adaptiveFiltering ?? false });
  if (!table) return grey;
  return greyToPalettePng(grey, table);
}

/** The legend as a PNG (see `legendSvg` for the options and layout). */
async function renderLegend(codec: ImageCodec, labelNames: readonly string[], palette?: PaletteInput, options: LegendOptions = {}): Promise<Uint8Array> {
  const { svg } = legendSvg(labelNames, palette, options);
  return codec.svgToPng(svg, { compressionLevel: DEFAULT_PNG_COMPRESSION });
}

/** The legend font size `renderColorMap` uses for a map of this size: 1/40 of the shorter side, at least 12 px. */
export function legendFontSize(width: number, height: number): number {
  return Math.max(12, Math.round(Math.min(width, height) / 40));
}

export interface ColorMapOptions {
  /** Colours; default from the label names. */
  palette?: PaletteInput;
  /**
   * Where the legend goes: 'auto' (right of the map, below it when the map is wider than 1.25:1),
   * 'right', 'below', or false for the bare map. Default 'auto'.
   */
  legend?: 'auto' | 'right' | 'below' | false;
  /** Reuse a summary already computed for this mask (else one is computed: one pass). */
  summary?: LabelSummary;
  /** Legend options; by default it lists the classes present, with their shares, at `legendFontSize`. */
  legendOptions?: Omit<LegendOptions, 'maxWidth'>;
  /** zlib level 0..9. Default `DEFAULT_PNG_COMPRESSION`. */
  compressionLevel?: number;
}

/**
 * The colourised label map as a PNG, with a legend of the classes present beside it (right, or below
 * a wide map), scaled to the map so it stays legible from 128x128 to 4000x4000.
 */
async function renderColorMap(
  codec: ImageCodec,
  mask: Uint8Array,
  width: number,
  height: number,
  labelNames: readonly string[],
  options: ColorMapOptions = {},
): Promise<Uint8Array> {
  checkMask('renderColorMap', mask, width, height);
  const compressionLevel = checkLevel('renderColorMap', options.compressionLevel ?? DEFAULT_PNG_COMPRESSION);
  const table = resolvePalette(options.palette ?? labelNames);
  const placement = options.legend === undefined ? 'auto' : options.legend;
  if (placement !== false && !['auto', 'right', 'below'].includes(placement)) {
    throw new FaceParseError('INVALID_ARGUMENT', `renderColorMap: legend must be 'auto', 'right', 'below' or false; got ${String(placement)}`);
  }
  if (placement === false) {
    const rgb = new Uint8Array(width * height * 3);
    colorizeInto(mask, table, rgb);
    return codec.encodePng(rgb, width, height, 3, { compressionLevel });
  }

  const side = placement === 'auto' ? (width > height * 1.25 ? 'below' : 'right') : placement;
  const summary = options.summary ?? summarizeLabels(mask, width, height, labelNames);
  const legend = legendSvg(labelNames, table, {
    shares: summary,
    fontSize: legendFontSize(width, height),
    ...options.legendOptions,
    ...(side === 'below' ? { maxWidth: width } : {}),
  });
  const canvasWidth = side === 'right' ? width + legend.width : Math.max(width, legend.width);
  const canvasHeight = side === 'right' ? Math.max(height, legend.height) : height + legend.height;

  // The legend is rasterised on its own (small) and copied in: compositing it with sharp would run
  // libvips' float blend over the whole canvas, several times the cost of the map itself.
  // The default legend background is opaque, so dropping alpha is exact (and cheaper than flatten).
  const legendInfo = await codec.rasterizeSvg(legend.svg, options.legendOptions?.background === undefined ? {} : { background: '#ffffff' });
  const legendRgb = legendInfo.data;
  const canvas = new Uint8Array(canvasWidth * canvasHeight * 3);
  canvas.fill(255);
  const mapRow = width * 3;
  if (canvasWidth === width) {
    colorizeInto(mask, table, canvas.subarray(0, width * height * 3));
  } else {
    const rgb = new Uint8Array(width * height * 3);
    colorizeInto(mask, table, rgb);
    for (let y = 0; y < height; y++) canvas.set(rgb.subarray(y * mapRow, (y + 1) * mapRow), y * canvasWidth * 3);
  }
  const left = side === 'right' ? width : 0;
  const top = side === 'right' ? 0 : height;
  const legendRow = legendInfo.width * 3;
  for (let y = 0; y < legendInfo.height && top + y < canvasHeight; y++) {
    canvas.set(legendRgb.subarray(y * legendRow, (y + 1) * legendRow), ((top + y) * canvasWidth + left) * 3);
  }
  return codec.encodePng(canvas, canvasWidth, canvasHeight, 3, { compressionLevel });
}

export interface OverlayRenderOptions extends OverlayOptions {
  /**
   * Output format. Default 'png' (lossless: the exact blended pixels). 'jpeg' suits batch jobs: at
   * 4000x4000 it is about 1.5x faster to encode and 12x smaller (bench/visualize.ts).
   */
  format?: 'png' | 'jpeg';
  /** JPEG quality 1..100. Default 90. */
  quality?: number;
  /** PNG zlib level 0..9. Default `DEFAULT_PNG_COMPRESSION`. */
  compressionLevel?: number;
  /** Rectangles drawn over the blend (the face boxes of a per-face parse). Default none. */
  boxes?: readonly Box[];
}

/**
 * The label colours alpha-blended over the photo (see `overlay` for the exact maths), encoded.
 * @param photo interleaved RGB, `width * height * 3` bytes, the same size as the mask
 * @param palette the model's class names, or colours (see `PaletteInput`)
 */
async function renderOverlay(
  codec: ImageCodec,
  photo: Uint8Array,
  mask: Uint8Array,
  width: number,
  height: number,
  palette: PaletteInput,
  options: OverlayRenderOptions = {},
): Promise<Uint8Array> {
  const format = options.format ?? 'png';
  if (format !== 'png' && format !== 'jpeg') {
    throw new FaceParseError('INVALID_ARGUMENT', `renderOverlay: format must be 'png' or 'jpeg'; got ${String(format)}`);
  }
  const quality = options.quality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new FaceParseError('INVALID_ARGUMENT', `renderOverlay: quality must be an integer 1..100; got ${String(quality)}`);
  }
  const compressionLevel = checkLevel('renderOverlay', options.compressionLevel ?? DEFAULT_PNG_COMPRESSION);
  const rgb = overlay(photo, mask, width, height, palette, options);
  if (options.boxes) drawBoxes(rgb, width, height, options.boxes);
  return format === 'jpeg' ? codec.encodeJpeg(rgb, width, height, quality) : codec.encodePng(rgb, width, height, 3, { compressionLevel });
}

export interface ClassMaskImage {
  id: number;
  label: string;
  /** Single-channel PNG: 255 where the pixel is of this class, 0 elsewhere. */
  png: Uint8Array;
}

export interface ClassMasksOptions {
  /** Class ids to write. Default: every class present in the mask. */
  classes?: readonly number[];
  /** With `classes`, also write classes that are absent (all-zero masks). Default false. */
  includeAbsent?: boolean;
  /** zlib level 0..9. Default `DEFAULT_PNG_COMPRESSION`. */
  compressionLevel?: number;
}

/**
 * One binary PNG per class (0/255, single channel), for the classes present (or those asked for),
 * in id order. Two masks are encoded at a time, each in its own reused buffer, so memory stays at
 * two masks whatever the class count.
 */
async function renderClassMasks(
  codec: ImageCodec,
  mask: Uint8Array,
  width: number,
  height: number,
  labelNames: readonly string[],
  options: ClassMasksOptions = {},
): Promise<ClassMaskImage[]> {
  checkMask('renderClassMasks', mask, width, height);
  const compressionLevel = checkLevel('renderClassMasks', options.compressionLevel ?? DEFAULT_PNG_COMPRESSION);
  const counts = labelHistogram(mask);
  let ids: number[];
  if (options.classes) {
    for (const id of options.classes) {
      if (!Number.isInteger(id) || id < 0 || id > 255) {
        throw new FaceParseError('INVALID_ARGUMENT', `renderClassMasks: classes must hold class ids 0..255; got ${String(id)}`);
      }
    }
    ids = [...new Set(options.classes)].sort((a, b) => a - b);
    if (!options.includeAbsent) ids = ids.filter((id) => counts[id] > 0);
  } else {
    ids = [];
    for (let id = 0; id < 256; id++) if (counts[id] > 0) ids.push(id);
  }

  const results: ClassMaskImage[] = new Array(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    const binary = new Uint8Array(width * height);
    while (next < ids.length) {
      const index = next++;
      const id = ids[index];
      classMask(mask, id, binary);
      const png = await codec.encodePng(binary, width, height, 1, { compressionLevel });
      results[index] = { id, label: id < labelNames.length ? String(labelNames[id]) : `unknown_${id}`, png };
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

/** A grey 8-bit PNG of a 0..1 map (e.g. the confidence map): round(value * 255) per pixel. */
async function encodeUnitPng(
  codec: ImageCodec,
  values: Float32Array,
  width: number,
  height: number,
  options: { compressionLevel?: number } = {},
): Promise<Uint8Array> {
  const grey = new Uint8Array(values.length);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(values[i]! * 255);
  return codec.encodePng(grey, width, height, 1, { compressionLevel: checkLevel('encodeUnitPng', options.compressionLevel ?? DEFAULT_PNG_COMPRESSION) });
}

/** The encoders above, bound to one platform's codec. */
export interface Renderer {
  encodeLabelPng(mask: Uint8Array, width: number, height: number, options?: LabelPngOptions): Promise<Uint8Array>;
  renderLegend(labelNames: readonly string[], palette?: PaletteInput, options?: LegendOptions): Promise<Uint8Array>;
  renderColorMap(mask: Uint8Array, width: number, height: number, labelNames: readonly string[], options?: ColorMapOptions): Promise<Uint8Array>;
  renderOverlay(photo: Uint8Array, mask: Uint8Array, width: number, height: number, palette: PaletteInput, options?: OverlayRenderOptions): Promise<Uint8Array>;
  renderClassMasks(mask: Uint8Array, width: number, height: number, labelNames: readonly string[], options?: ClassMasksOptions): Promise<ClassMaskImage[]>;
  encodeUnitPng(values: Float32Array, width: number, height: number, options?: { compressionLevel?: number }): Promise<Uint8Array>;
  /** A PNG of interleaved RGB pixels (the aligned face crops of the `faces` output). */
  encodeRgbPng(pixels: Uint8Array, width: number, height: number): Promise<Uint8Array>;
  /** An 8-bit grey PNG of one byte per pixel (region masks). */
  encodeGreyPng(pixels: Uint8Array, width: number, height: number): Promise<Uint8Array>;
}

export function createRenderer(codec: ImageCodec): Renderer {
  return {
    encodeLabelPng: (...args) => encodeLabelPng(codec, ...args),
    renderLegend: (...args) => renderLegend(codec, ...args),
    renderColorMap: (...args) => renderColorMap(codec, ...args),
    renderOverlay: (...args) => renderOverlay(codec, ...args),
    renderClassMasks: (...args) => renderClassMasks(codec, ...args),
    encodeUnitPng: (...args) => encodeUnitPng(codec, ...args),
    encodeRgbPng: (pixels, width, height) => codec.encodePng(pixels, width, height, 3, { compressionLevel: DEFAULT_PNG_COMPRESSION }),
    encodeGreyPng: (pixels, width, height) => codec.encodePng(pixels, width, height, 1, { compressionLevel: DEFAULT_PNG_COMPRESSION }),
  };
}
