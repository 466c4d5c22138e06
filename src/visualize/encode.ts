/**
 * Encoded pictures of label maps (Node, via sharp): label PNGs, colour maps with legend, overlays,
 * legends and per-class binary masks. The pixel work is in `pixels.ts`; this file only lays out and encodes.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { FaceParseError } from '../core/errors.js';
import { summarizeLabels, type LabelSummary } from '../postprocess/summary.js';
import { drawBoxes, type Box } from './boxes.js';
import { bareGreyPng, decodeLabelPngBytes, greyToPalettePng, pngHeader, type LabelMap } from './label-png.js';
import { legendSvg, type LegendOptions } from './legend.js';
import { resolvePalette, type PaletteInput } from './palette.js';
import { checkMask, classMask, colorizeInto, labelHistogram, overlay, type OverlayOptions } from './pixels.js';

/**
 * Default zlib level of the PNGs written here. Label maps are long runs of a few values, so zlib's
 * fast levels already find nearly all the redundancy: see `bench/visualize.ts` for size and time per level.
 */
export const DEFAULT_PNG_COMPRESSION = 2;

/**
 * One-channel raw pixels as a sharp pipeline that stays greyscale: without `toColourspace('b-w')`
 * sharp 0.35 writes one-channel input as an RGB PNG (3x the bytes, and not a label map).
 */
function greyscale(pixels: Uint8Array, width: number, height: number): Sharp {
  return sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('b-w');
}

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
export async function encodeLabelPng(
  mask: Uint8Array,
  width: number,
  height: number,
  options: LabelPngOptions = {},
): Promise<Buffer> {
  checkMask('encodeLabelPng', mask, width, height);
  const compressionLevel = checkLevel('encodeLabelPng', options.compressionLevel ?? DEFAULT_PNG_COMPRESSION);
  const table = options.palette === undefined ? null : resolvePalette(options.palette);
  const grey = await greyscale(mask, width, height)
    .png({ compressionLevel, adaptiveFiltering: options.adaptiveFiltering ?? false })
    .toBuffer();
  if (!table) return grey;
  const png = greyToPalettePng(grey, table);
  return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
}

/**
 * Class ids from a label PNG (a path or its bytes): greyscale PNGs give their grey values, palette PNGs
 * (as in CelebAMask-HQ) their palette indices. 8-bit files (the usual ones) decode through sharp, others
 * (1/2/4/16-bit) through fast-png. Throws INPUT_UNREADABLE for colour PNGs, corrupt files and non-PNGs.
 */
export async function decodeLabelPng(input: string | Uint8Array): Promise<LabelMap> {
  let bytes: Uint8Array;
  let source = 'label PNG';
  if (typeof input === 'string') {
    source = input;
    try {
      bytes = await readFile(input);
    } catch (error) {
      throw new FaceParseError('INPUT_UNREADABLE', `cannot read label PNG ${input}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  } else if (input instanceof Uint8Array) {
    bytes = input;
  } else {
    throw new FaceParseError('INVALID_ARGUMENT', 'decodeLabelPng: pass a file path or the PNG bytes (Buffer/Uint8Array)');
  }
  const header = pngHeader(bytes);
  if (!header || header.depth !== 8 || (header.colourType !== 0 && header.colourType !== 3)) {
    return decodeLabelPngBytes(bytes, source); // slow path, and every error message
  }
  const { png: grey, palette } = bareGreyPng(bytes, source);
  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await sharp(grey)
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true }));
  } catch (error) {
    throw new FaceParseError('INPUT_UNREADABLE', `${source}: cannot decode PNG: ${(error as Error).message}`, { cause: error });
  }
  if (info.channels !== 1 || data.length !== header.width * header.height) {
    throw new FaceParseError('INPUT_UNREADABLE', `${source}: decoded ${info.channels} channels of ${info.width}x${info.height}`);
  }
  const map: LabelMap = { mask: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  if (palette) map.palette = palette;
  return map;
}

/** The legend as a PNG (see `legendSvg` for the options and layout). */
export async function renderLegend(
  labelNames: readonly string[],
  palette?: PaletteInput,
  options: LegendOptions = {},
): Promise<Buffer> {
  const { svg } = legendSvg(labelNames, palette, options);
  return sharp(Buffer.from(svg)).png({ compressionLevel: DEFAULT_PNG_COMPRESSION }).toBuffer();
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
export async function renderColorMap(
  mask: Uint8Array,
  width: number,
  height: number,
  labelNames: readonly string[],
  options: ColorMapOptions = {},
): Promise<Buffer> {
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
    return sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel }).toBuffer();
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
  const rasterised = sharp(Buffer.from(legend.svg));
  const { data: legendRgb, info: legendInfo } = await (options.legendOptions?.background === undefined
    ? rasterised.removeAlpha()
    : rasterised.flatten({ background: '#ffffff' })
  )
    .raw()
    .toBuffer({ resolveWithObject: true });
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
  const legendRow = legendInfo.width * legendInfo.channels;
  for (let y = 0; y < legendInfo.height && top + y < canvasHeight; y++) {
    canvas.set(legendRgb.subarray(y * legendRow, (y + 1) * legendRow), ((top + y) * canvasWidth + left) * 3);
  }
  return sharp(canvas, { raw: { width: canvasWidth, height: canvasHeight, channels: 3 } }).png({ compressionLevel }).toBuffer();
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
export async function renderOverlay(
  photo: Uint8Array,
  mask: Uint8Array,
  width: number,
  height: number,
  palette: PaletteInput,
  options: OverlayRenderOptions = {},
): Promise<Buffer> {
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
  const image = sharp(rgb, { raw: { width, height, channels: 3 } });
  return format === 'jpeg' ? image.jpeg({ quality }).toBuffer() : image.png({ compressionLevel }).toBuffer();
}

export interface ClassMaskImage {
  id: number;
  label: string;
  /** Single-channel PNG: 255 where the pixel is of this class, 0 elsewhere. */
  png: Buffer;
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
export async function renderClassMasks(
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
      const png = await greyscale(binary, width, height).png({ compressionLevel }).toBuffer();
      results[index] = { id, label: id < labelNames.length ? String(labelNames[id]) : `unknown_${id}`, png };
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}
