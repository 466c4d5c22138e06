/**
 * faceparse/web: face parsing in the browser, the API of the Node library on browser inputs.
 * Serve this bundle with faceparse.worker.js, onnxruntime-web's ort-*.mjs/.wasm files and the
 * models/ folder beside it (dist/web/ has them all); for WebAssembly threads, serve the page with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`.
 */
export { FaceParser, type WebBatchItem, type WebFaceParserOptions, type WebParseOptions } from './faceParser.js';
export type { FacesMode } from '../options/parseOptions.js';
export { WebParseResult, type WebClassMask } from './result.js';
export type { LogitsView, ParseResultJson, StageTimings, RegionMaskOptions } from '../pipeline/result.js';
export { FrameRateMeter, LiveSmoother, type LiveSmootherOptions } from './live.js';
export { FaceParseError, type FaceParseErrorCode } from '../base/errors.js';
export type { WebImageInput } from '../platform/web/decode.js';
export type { WebDevice } from '../platform/web/workerProtocol.js';
export { clearModelCache, localModelFolder, type LocalModelFolder, type ModelProgress } from '../platform/web/modelSource.js';
export { CELEBAMASK_HQ_LABELS, LABEL_DESCRIPTIONS, describeLabel } from '../base/labels.js';
export { REGION_PRESETS, parseRegionSpec } from '../masks/regions.js';
export { LABEL_SET_NAMES, type LabelSetName } from '../base/labelSets.js';
export { paletteFor } from '../visualize/palette.js';
export type { LabelSummary, ClassSummary, BoundingBox } from '../postprocess/summary.js';
