/**
 * onnxruntime-node sessions for SegFormer exports, behind one small interface: float32 pixel
 * values in, float32 logits out, whatever the model's own I/O types (float16 exports included).
 * The model is checked on load: one image input of rank 4, a rank-4 logits output, and as many
 * output channels as the config has labels.
 */
// First: onnxruntime's telemetry is switched off before the native library loads (see telemetry.ts).
import './telemetry.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FaceParseError } from '../../base/errors.js';
import type { Device, Logits } from '../../base/types.js';
import type { SegmentationSession, SessionOptions } from '../types.js';

export type { Logits, SegmentationSession, SessionOptions };
import { float16ToFloat32, float32ToFloat16 } from '../../base/float16.js';

type TensorMetadata = { name: string; isTensor: boolean; type?: string; shape?: ReadonlyArray<number | string> };

function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    return existsSync(join(root, 'bin', `napi-v6`, process.platform, process.arch, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/**
 * onnxruntime options for a device. `spinning` keeps onnxruntime's default (worker threads spin
 * briefly between operators): on an otherwise idle 2-core machine it made B0 and B5 runs ~10%
 * faster; when other processes compete for the cores, turning it off was up to 30% faster
 * (bench/parse.ts, and the note in the README).
 */
export function sessionOptionsFor(device: Device, threads?: number, spinning = true): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: device === 'cuda' ? ['cuda'] : ['cpu'],
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }),
  };
}

export async function createSegmentationSession(modelPath: string, options: SessionOptions): Promise<SegmentationSession> {
  const device = options.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda') {
    throw new FaceParseError('INVALID_ARGUMENT', `device "${String(device)}" is not one of cpu, cuda`);
  }
  if (device === 'cuda' && !cudaProviderInstalled()) {
    throw new FaceParseError(
      'DEVICE_UNAVAILABLE',
      "device 'cuda' is not available: onnxruntime-node's CUDA provider is not installed (it is downloaded by its install script on Linux x64 with CUDA 12; " +
        "reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node), or use device 'cpu'",
    );
  }
  const sessionOptions = sessionOptionsFor(device, options.threads, options.spinning ?? true);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, sessionOptions);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (device === 'cuda') {
      throw new FaceParseError(
        'DEVICE_UNAVAILABLE',
        `device 'cuda' could not start (${message.split('\n')[0]}); check the NVIDIA driver and CUDA 12 libraries, or use device 'cpu'`,
        { cause: error },
      );
    }
    throw new FaceParseError(
      'MODEL_INVALID',
      `${modelPath} is not a loadable ONNX model (${message.split('\n')[0]}); re-export it or pass another --model/--variant`,
      { cause: error },
    );
  }
  try {
    return validate(session, modelPath, options.numLabels, device);
  } catch (error) {
    await session.release();
    throw error;
  }
}

function validate(session: ort.InferenceSession, modelPath: string, numLabels: number, device: Device): SegmentationSession {
  const inputs = session.inputMetadata as readonly TensorMetadata[];
  const outputs = session.outputMetadata as readonly TensorMetadata[];
  // parse feeds exactly one tensor, the image: a model that needs more would fail on every photo.
  if (inputs.length > 1) {
    throw new FaceParseError(
      'MODEL_INVALID',
      `${modelPath} has ${inputs.length} inputs [${inputs.map((m) => m.name).join(', ')}]; faceparse feeds a model one input, the image (pixel_values): ` +
        're-export it with pixel_values as its only input, or pass another --model',
    );
  }
  const input = inputs[0];
  if (!input) {
    throw new FaceParseError('MODEL_INVALID', `${modelPath} has inputs [${inputs.map((m) => m.name).join(', ')}]; expected one image input named pixel_values`);
  }
  if (input.shape && input.shape.length !== 4) {
    throw new FaceParseError('MODEL_INVALID', `${modelPath}: input ${input.name} has rank ${input.shape.length}; expected 4 (batch, 3, height, width)`);
  }
  if (input.shape && typeof input.shape[1] === 'number' && input.shape[1] !== 3) {
    throw new FaceParseError('MODEL_INVALID', `${modelPath}: input ${input.name} has ${input.shape[1]} channels; expected 3 (RGB)`);
  }
  const inputType = input.type === 'float16' ? 'float16' : 'float32';
  if (input.type && input.type !== 'float32' && input.type !== 'float16') {
    throw new FaceParseError('MODEL_INVALID', `${modelPath}: input ${input.name} is ${input.type}; expected float32 or float16 pixel values`);
  }
  const output = outputs.find((m) => m.name === 'logits') ?? outputs[0];
  if (!output) throw new FaceParseError('MODEL_INVALID', `${modelPath} has no outputs`);
  if (output.type && output.type !== 'float32' && output.type !== 'float16') {
    throw new FaceParseError(
      'MODEL_INVALID',
      `${modelPath}: output ${output.name} is ${output.type}; expected float32 or float16 logits (class scores), so this is not a segmentation export faceparse can use; pass another --model`,
    );
  }
  if (output.shape && output.shape.length !== 4) {
    throw new FaceParseError(
      'MODEL_INVALID',
      `${modelPath}: output ${output.name} has rank ${output.shape.length}; expected 4 (batch, classes, height/4, width/4)`,
    );
  }
  const declaredClasses = output.shape?.[1];
  if (typeof declaredClasses === 'number' && declaredClasses !== numLabels) {
    throw new FaceParseError(
      'MODEL_INVALID',
      `${modelPath} outputs ${declaredClasses} classes but config.json's id2label has ${numLabels}; the ONNX file and config.json belong to different models`,
    );
  }
  const inputName = input.name;
  const outputName = output.name;
  return {
    modelPath,
    inputName,
    outputName,
    inputType,
    device,
    async run(pixelValues, batch, height, width) {
      const dims = [batch, 3, height, width];
      const tensor = inputType === 'float16' ? new ort.Tensor('float16', float32ToFloat16(pixelValues), dims) : new ort.Tensor('float32', pixelValues, dims);
      let result: ort.InferenceSession.OnnxValueMapType;
      try {
        // onnxruntime's own log line for a failed run is left out: the error says it, once, where it belongs.
        result = await session.run({ [inputName]: tensor }, [outputName], { logSeverityLevel: 4 });
      } catch (error) {
        const message = ((error as Error).message ?? String(error)).split('\n')[0];
        throw new FaceParseError('MODEL_RUN_FAILED', `the model could not run on a ${width}x${height} input (onnxruntime: ${message})`, { cause: error });
      }
      const out = result[outputName]!;
      const [b, classes, h, w] = out.dims as [number, number, number, number];
      if (out.dims.length !== 4 || classes !== numLabels) {
        throw new FaceParseError('MODEL_INVALID', `${modelPath} returned logits of shape [${out.dims.join(', ')}]; expected [${batch}, ${numLabels}, h, w]`);
      }
      if (out.type !== 'float32' && out.type !== 'float16') {
        throw new FaceParseError('MODEL_INVALID', `${modelPath} returned ${out.type} logits; expected float32 or float16`);
      }
      const data = out.type === 'float16' ? float16ToFloat32(out.data as Uint16Array) : (out.data as Float32Array);
      return { data, batch: b, classes, height: h, width: w };
    },
    async release() {
      await session.release();
    },
  };
}
