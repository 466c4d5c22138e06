/** Local model folders and the model shipped with the package. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelInfo } from '../../src/hub/info.js';
import { defaultModelDir, packageRoot, resolveModel } from '../../src/hub/resolve.js';
import { fakeModelFiles } from './fake-hub.js';
import { failure } from '../helpers/failure.js';

let root: string;

function writeFolder(dir: string, files: Record<string, Buffer>): void {
  for (const [file, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), data);
  }
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'fp-local-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('resolveModel with a local folder', () => {
  it('returns the files of the folder for each variant, with external data when present', async () => {
    const dir = join(root, 'm');
    writeFolder(dir, fakeModelFiles({ withData: true }));
    const model = await resolveModel(dir);
    expect(model).toEqual({
      dir,
      variant: 'fp32',
      source: 'local',
      files: {
        config: join(dir, 'config.json'),
        preprocessor: join(dir, 'preprocessor_config.json'),
        onnx: join(dir, 'onnx', 'model.onnx'),
        onnxData: join(dir, 'onnx', 'model.onnx_data'),
      },
    });
    const q8 = await resolveModel(dir, { variant: 'q8' });
    expect(q8.files.onnx).toBe(join(dir, 'onnx', 'model_quantized.onnx'));
    expect(q8.files.onnxData).toBeUndefined();
  });

  it('accepts ./relative paths and bare existing folders', async () => {
    const dir = join(root, 'm');
    writeFolder(dir, fakeModelFiles());
    const rel = relative(process.cwd(), dir);
    expect((await resolveModel(rel.startsWith('..') ? rel : `./${rel}`)).dir).toBe(dir);
    const cwd = process.cwd();
    try {
      process.chdir(root);
      // "m" is not a hub id shape, but it is an existing folder.
      expect((await resolveModel('m')).dir).toBe(dir);
    } finally {
      process.chdir(cwd);
    }
  });

  it('names exactly what is missing', async () => {
    const missing = await failure(resolveModel(join(root, 'nope')));
    expect(missing.code).toBe('MODEL_NOT_FOUND');
    expect(missing.message).toContain(`model folder ${join(root, 'nope')} does not exist`);
    expect(missing.message).toContain('--model');

    const dir = join(root, 'm');
    const files = fakeModelFiles();
    writeFolder(dir, { 'config.json': files['config.json']! });
    const noPre = await failure(resolveModel(dir));
    expect(noPre.code).toBe('MODEL_FILE_MISSING');
    expect(noPre.message).toContain(`model folder ${dir} has no preprocessor_config.json`);

    writeFolder(dir, { 'preprocessor_config.json': files['preprocessor_config.json']! });
    const noOnnx = await failure(resolveModel(dir));
    expect(noOnnx.message).toContain(`model folder ${dir} has no onnx/model.onnx (variant fp32)`);
    expect(noOnnx.message).toContain('no ONNX weights at all');

    writeFolder(dir, { 'onnx/model_quantized.onnx': files['onnx/model_quantized.onnx']! });
    const otherVariant = await failure(resolveModel(dir, { variant: 'fp16' }));
    expect(otherVariant.message).toContain('has no onnx/model_fp16.onnx (variant fp16); it has variant q8: pass --variant q8');

    const file = join(root, 'file.onnx');
    writeFileSync(file, 'x');
    expect((await failure(resolveModel(file))).message).toContain('is a file, not a model folder');
    await expect(resolveModel(dir, { variant: 'int4' as never })).rejects.toThrow(/unknown model variant "int4"/);
  });

  it('says which folder is missing for a mistyped folder, also when it reads like a hub id', async () => {
    mkdirSync(join(root, 'models', 'face-parsing-mini'), { recursive: true });
    const cwd = process.cwd();
    try {
      process.chdir(root);
      // ./models/<missing>: a path, so a folder; what the parent holds shows the typo.
      const dotted = await failure(resolveModel('./models/face-parsing-min'));
      expect(dotted.code).toBe('MODEL_NOT_FOUND');
      expect(dotted.message).toContain(`model folder ${join(root, 'models', 'face-parsing-min')} does not exist`);
      expect(dotted.message).toContain('holds: face-parsing-mini');
      // models/<missing> is also a valid hub id: both are said, the folder first, and offline
      // nothing is fetched.
      const fetch = (async () => {
        throw new Error('no request expected offline');
      }) as typeof globalThis.fetch;
      const bare = await failure(resolveModel('models/face-parsing-min', { offline: true, cacheDir: join(root, 'cache'), fetch }));
      expect(bare.code).toBe('MODEL_NOT_FOUND');
      expect(bare.message).toMatch(/^model folder models\/face-parsing-min does not exist \(no folder /);
      expect(bare.message).toContain(join(root, 'models', 'face-parsing-min'));
      expect(bare.message).toContain('holds: face-parsing-mini');
      expect(bare.message).toContain('tried as a hub id, it failed too');
      expect(bare.message).toContain('is not in the cache');
      // The same for modelInfo (`faceparse models info`).
      const info = await failure(modelInfo('models/face-parsing-min', { offline: true, cacheDir: join(root, 'cache'), fetch }));
      expect(info.message).toBe(bare.message);
      // No parent folder either: the hub error leads, and the folder is still named.
      const unrelated = await failure(resolveModel('acme/face', { offline: true, cacheDir: join(root, 'cache'), fetch }));
      expect(unrelated.code).toBe('HUB_OFFLINE');
      expect(unrelated.message).toContain(`is not a model folder either (no folder ${join(root, 'acme', 'face')})`);
    } finally {
      process.chdir(cwd);
    }
  });

  it('describes a local folder with modelInfo', async () => {
    const dir = join(root, 'm');
    writeFolder(dir, fakeModelFiles({ withData: true }));
    const info = await modelInfo(dir);
    expect(info).toMatchObject({
      source: 'local',
      dir,
      modelType: 'segformer',
      numLabels: 3,
      id2label: { 0: 'background', 1: 'skin', 2: 'hair' },
      hiddenSizes: [32, 64, 160, 256],
      depths: [2, 2, 2, 2],
      decoderHiddenSize: 256,
      preprocessor: {
        size: { height: 512, width: 512 },
        imageMean: [0.485, 0.456, 0.406],
        imageStd: [0.229, 0.224, 0.225],
        resample: 2,
        resampleName: 'bilinear',
        doNormalize: true,
      },
    });
    expect(info.variants).toEqual([
      { variant: 'fp32', file: 'onnx/model.onnx', present: true, size: 300_000 + 120_000 },
      { variant: 'fp16', file: 'onnx/model_fp16.onnx', present: false },
      { variant: 'q8', file: 'onnx/model_quantized.onnx', present: true, size: 50_000 },
    ]);
    await expect(modelInfo(join(root, 'nope'))).rejects.toThrow(`model folder ${join(root, 'nope')} does not exist`);
    writeFileSync(join(dir, 'config.json'), '{ not json');
    await expect(modelInfo(dir)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });
});

describe('the built-in model', () => {
  it('lives in models/face-parsing-mini under the package root', () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('faceparse');
    expect(defaultModelDir()).toBe(join(root, 'models', 'face-parsing-mini'));
    expect(basename(dirname(defaultModelDir()))).toBe('models');
  });

  it('is what resolveModel() and resolveModel("") return, or a clear error while it is absent', async () => {
    const dir = defaultModelDir();
    for (const source of [undefined, '']) {
      if (existsSync(join(dir, 'config.json'))) {
        const model = await resolveModel(source);
        expect(model.dir).toBe(dir);
        expect(model.source).toBe('local');
      } else if (!existsSync(dir)) {
        const error = await failure(resolveModel(source));
        expect(error.code).toBe('MODEL_NOT_FOUND');
        expect(error.message).toContain(dir);
        expect(error.message).toContain('pass --model');
        await expect(modelInfo(source)).rejects.toThrow(error.message);
      } else {
        await expect(resolveModel(source)).rejects.toMatchObject({ code: 'MODEL_FILE_MISSING' });
      }
    }
  });
});
