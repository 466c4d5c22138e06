/**
 * Predictions from the core library's FaceParser for `faceparse eval --data`. The CLI imports this
 * module only for model runs, so scoring existing predictions never loads onnxruntime.
 */
import { FaceParser } from '../node/faceParser.js';
import type { FaceParserOptions, ParseOptions } from '../pipeline/options.js';
import type { Predictor } from './sources.js';

export interface ModelPredictor {
  predict: Predictor;
  /** The model's class names, in id order. */
  labels: readonly string[];
  /** The model id or folder it was loaded from. */
  model: string;
  close(): Promise<void>;
}

/**
 * Loads the model once; `predict` parses one photo (the logits are not kept: scoring needs only the
 * ids), mirrored too with `flip`, at several input sizes with `scales`, whole or face by face with `faces`.
 */
export async function createModelPredictor(
  options: Pick<FaceParserOptions, 'model' | 'variant' | 'threads'> & Pick<ParseOptions, 'flip' | 'scales' | 'faces'>,
): Promise<ModelPredictor> {
  const { flip, scales, faces, ...parserOptions } = options;
  const parser = await FaceParser.create(parserOptions);
  return {
    predict: (image) => parser.parse(image, { keepLogits: false, flip, scales, faces }),
    labels: parser.labels,
    model: parser.model,
    close: () => parser.close(),
  };
}
