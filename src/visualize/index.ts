/** Pictures of label maps: pure pixel and SVG functions (the encoders are in outputs/render.ts, on a platform codec). */
export { paletteFor, paletteTable, resolvePalette, tableColour, type PaletteInput, type Rgb } from './palette.js';
export {
  checkMask,
  classMask,
  colorize,
  colorizeInto,
  defaultOutlineThickness,
  labelEdges,
  labelHistogram,
  overlay,
  presentClasses,
  type OverlayOptions,
} from './pixels.js';
export {
  describeLabel,
  formatShare,
  legendEntries,
  legendSvg,
  LEGEND_FONT_FAMILY,
  type LegendEntry,
  type LegendLayout,
  type LegendOptions,
} from './legend.js';
export { crc32, decodeLabelPngBytes, bareGreyPng, greyToPalettePng, pngHeader, type LabelMap } from '../image/labelPng.js';
