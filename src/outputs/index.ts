/** Outputs owned by the library: what each kind is, how it is encoded and how it is written. */
export { OUTPUT_KINDS, DEFAULT_OUTPUTS, parseOutputKinds, type OutputKind } from './kinds.js';
export { encodeOutputs, maskFileName, type EncodedOutput, type EncodeOutputsOptions } from './encodeOutputs.js';
export { writeOutputs, writeFileAtomic, outputPath, type WriteOutputsOptions } from './writeOutputs.js';
export { createRenderer, DEFAULT_PNG_COMPRESSION, legendFontSize, type Renderer } from './render.js';
