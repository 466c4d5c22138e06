/**
 * Predictions from the core library's FaceParser for `faceparse eval --model`. Loaded lazily, so that
 * scoring existing predictions never loads onnxruntime.
 */
import { FaceParseError } from '../core/errors.js';
import type { ImageInput, ModelVariant } from '../core/types.js';
import type { Prediction, Predictor } from './sources.js';

export interface ModelPredictorOptions {
  /** Hub id or local model folder. */
  model: string;
  variant?: ModelVariant;
  threads?: number;
}

/** The part of FaceParser that evaluation uses. */
interface FaceParserLike {
  parse(input: ImageInput): Promise<Prediction>;
  close(): Promise<void>;
}
interface FaceParserModule {
  FaceParser: { create(options: ModelPredictorOptions): Promise<FaceParserLike> };
}

export interface ModelPredictor {
  predict: Predictor;
  close(): Promise<void>;
}

export async function createModelPredictor(options: ModelPredictorOptions): Promise<ModelPredictor> {
  const specifier = '../core/faceParser.js';
  let module: FaceParserModule;
  try {
    module = (await import(specifier)) as FaceParserModule;
  } catch (error) {
    throw new FaceParseError(
      'MODEL_NOT_FOUND',
      `cannot load the model runner (${(error as Error).message}). Score existing predictions with --pred and --gt instead.`,
      { cause: error },
    );
  }
  const parser = await module.FaceParser.create(options);
  return {
    predict: (image) => parser.parse(image),
    close: () => parser.close(),
  };
}
