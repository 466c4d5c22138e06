/**
 * faceparse: face parsing with SegFormer models, with the results of the Hugging Face reference
 * pipeline. Start with `FaceParser.create()`.
 */

// The pipeline (src/pipeline) on the shared base (src/base): parse photos, results that convert lazily, errors with codes.
export { FaceParser } from './node/faceParser.js';
export type { BatchItem } from './pipeline/faceParser.js';
export { ParseResult, type StageTimings, type ParseResultJson, type RegionMaskOptions } from './pipeline/result.js';
export { FaceParseError, isInputError, type FaceParseErrorCode } from './base/errors.js';
export type { FaceParserOptions, ModelSourceOptions, RuntimeOptions, ParseOptions } from './pipeline/options.js';
export type { ImageInput, RawImage, ModelVariant, Device } from './base/types.js';
export { CELEBAMASK_HQ_LABELS, LABEL_DESCRIPTIONS, leftRightPairs, resolveClassId, type CelebAMaskLabel } from './base/labels.js';

// Masks people use (src/masks, src/base/labelSets.ts): region masks (presets, union, grow, shrink, feather)
// and label sets (CelebAMask-HQ, LaPa, MediaPipe, BiSeNet orders; docs/label-sets.md).
export { REGION_PRESETS, parseRegionSpec, resolveRegion, type RegionSpec, type ClassRef } from './masks/regions.js';
export { shapeRegion, type RegionShapeOptions } from './masks/regionShape.js';
export { LABEL_SETS, LABEL_SET_NAMES, mapIntoLabelSet, type LabelSet, type LabelSetName } from './base/labelSets.js';

// The HTTP service (src/server, loaded on the first call): `faceparse serve` as a library.
export { createServer, type FaceParseServer, type ServerOptions, type ListenOptions, type CloseOptions } from './server/index.js';

// The pipeline's pieces, for those who build their own: Pillow-exact resize, SegFormer
// preprocessing, the fused upsample + arg-max.
export { decodeImage } from './platform/node/index.js';
export { DEFAULT_MAX_INPUT_PIXELS, type DecodeOptions } from './image/raw.js';
export type { RgbImage, Logits } from './base/types.js';
export { resizePil, resampleCoefficients, PIL_RESAMPLE } from './image/resize.js';
export { preprocess, normalizationTables, type ModelInput } from './models/segformer/preprocess.js';
export { parseModelConfig, parsePreprocessorConfig, type PreprocessorConfig, type SegformerModelConfig } from './models/segformer/config.js';
export { upsampleArgmax, upsampleSoftmax } from './postprocess/upsampleArgmax.js';

// Model sources: local folders and Hugging Face hub ids, with the shared hub cache (src/hub).
export {
  resolveModel,
  defaultModelDir,
  modelInfo,
  listModels,
  parseModelId,
  type HubOptions,
  type ResolvedModel,
  type DownloadProgress,
  type ModelInfo,
  type ModelList,
  type ModelId,
} from './hub/index.js';

// Pictures and summaries of label maps (src/visualize, src/postprocess/summary.ts): colour maps with legend,
// overlays, legends, per-class binary masks, label PNGs; pure pixel/SVG functions beside the sharp encoders.
export {
  paletteFor,
  paletteTable,
  resolvePalette,
  colorize,
  overlay,
  classMask,
  labelEdges,
  labelHistogram,
  presentClasses,
  legendEntries,
  legendSvg,
  describeLabel,
  decodeLabelPngBytes,
  greyToPalettePng,
  bareGreyPng,
  type PaletteInput,
  type Rgb,
  type OverlayOptions,
  type LegendOptions,
  type LegendEntry,
  type LegendLayout,
  type LabelMap,
} from './visualize/index.js';
export { encodeLabelPng, decodeLabelPng, renderLegend, renderColorMap, renderOverlay, renderClassMasks } from './platform/node/render.js';
export {
  createRenderer,
  DEFAULT_PNG_COMPRESSION,
  legendFontSize,
  type Renderer,
  type LabelPngOptions,
  type ColorMapOptions,
  type OverlayRenderOptions,
  type ClassMasksOptions,
  type ClassMaskImage,
} from './outputs/render.js';
export { summarizeLabels, type BoundingBox, type ClassSummary, type LabelSummary } from './postprocess/summary.js';

// Evaluation has entries of its own, so that scoring loads neither the model runtime nor the codecs:
// `faceparse/metrics` (confusion matrix, PA, IoU, F1, boundary F1), `faceparse/datasets` (paired folders,
// CelebAMask-HQ, prediction folders, label sets) and `faceparse/eval` (the runner and its reports).
// `faceparse/outputs` encodes and writes the output kinds; `faceparse/web` is the browser bundle.
