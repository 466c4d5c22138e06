/** Pictures and summaries of label maps. Pure pixel/SVG functions first, then the sharp encoders. */
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
export { crc32, decodeLabelPngBytes, bareGreyPng, greyToPalettePng, pngHeader, type LabelMap } from './label-png.js';
export {
  DEFAULT_PNG_COMPRESSION,
  decodeLabelPng,
  encodeLabelPng,
  legendFontSize,
  renderClassMasks,
  renderColorMap,
  renderLegend,
  renderOverlay,
  type ClassMaskImage,
  type ClassMasksOptions,
  type ColorMapOptions,
  type LabelPngOptions,
  type OverlayRenderOptions,
} from './encode.js';
