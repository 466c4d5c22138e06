/** The `faceparse/outputs` entry on Node: the outputs (src/outputs) and writing them into a folder. */
export * from '../outputs/index.js';
export { writeOutputs, writeFileAtomic, outputPath, type WriteOutputsOptions } from './writeOutputs.js';
