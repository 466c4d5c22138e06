/** Outputs owned by the library: what each kind is, and how it is encoded (writing into a folder: src/node/writeOutputs.ts). */
export { OUTPUT_KINDS, DEFAULT_OUTPUTS, parseOutputKinds, type OutputKind } from './kinds.js';
export { encodeOutputs, maskFileName, type EncodedOutput, type EncodeOutputsOptions } from './encodeOutputs.js';
export { createRenderer, DEFAULT_PNG_COMPRESSION, legendFontSize, type Renderer } from './render.js';
