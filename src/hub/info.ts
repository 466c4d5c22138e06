/** What a model is: config.json and preprocessor_config.json summarised, and which ONNX variants exist. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceParseError } from '../base/errors.js';
import { readModelJson } from '../platform/node/files.js';
import { cachedFile, fileSize, repoDir } from './cache.js';
import { headFile } from './download.js';
import { CONFIG_FILE, externalDataFile, PREPROCESSOR_FILE, VARIANT_FILES, VARIANTS, type ModelVariant } from './files.js';
import {
  defaultModelMissing,
  hubContext,
  localModelMissing,
  neitherFolderNorHub,
  hubRevision,
  parseModelSource,
  resolveHubFiles,
  type HubOptions,
} from './resolve.js';

export interface VariantInfo {
  variant: ModelVariant;
  file: string;
  /** The weights are on this disk (local folder or cache). */
  present: boolean;
  /** Size in bytes (external data included), from the disk, or from the hub when not present. */
  size?: number;
  /** For hub models not on disk: whether the hub has it (`null`: unknown, e.g. offline). */
  available?: boolean | null;
}

export interface ModelInfo {
  source: 'local' | 'cache' | 'download';
  dir: string;
  id?: string;
  revision?: string;
  commit?: string;
  modelType?: string;
  architectures?: string[];
  numLabels: number;
  id2label: Record<string, string>;
  /** SegFormer encoder widths and depths per stage. */
  hiddenSizes?: number[];
  depths?: number[];
  decoderHiddenSize?: number;
  preprocessor: {
    size?: unknown;
    imageMean?: number[];
    imageStd?: number[];
    resample?: number;
    resampleName?: string;
    doResize?: boolean;
    doRescale?: boolean;
    rescaleFactor?: number;
    doNormalize?: boolean;
    doReduceLabels?: boolean;
    processorClass?: string;
  };
  variants: VariantInfo[];
}

/** PIL resampling filter numbers, as stored in preprocessor_config.json. */
const RESAMPLE_NAMES: Record<number, string> = {
  0: 'nearest',
  1: 'lanczos',
  2: 'bilinear',
  3: 'bicubic',
  4: 'box',
  5: 'hamming',
};

async function readJson(path: string, what: string): Promise<Record<string, unknown>> {
  const value = await readModelJson(path, what, `cannot read ${what} at ${path}; pass --model with a complete model folder`);
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new FaceParseError('MODEL_INVALID', `${what} at ${path} is not a JSON object; re-download it or fix the file`);
}

const numbers = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Summarises config.json and preprocessor_config.json. */
export function summariseConfig(config: Record<string, unknown>, preprocessor: Record<string, unknown>): Omit<ModelInfo, 'source' | 'dir' | 'variants'> {
  const id2labelRaw = config.id2label;
  const id2label: Record<string, string> = {};
  if (id2labelRaw && typeof id2labelRaw === 'object') {
    for (const [k, v] of Object.entries(id2labelRaw as Record<string, unknown>)) id2label[k] = String(v);
  }
  const numLabels = num(config.num_labels) ?? Object.keys(id2label).length;
  const resample = num(preprocessor.resample);
  return {
    modelType: str(config.model_type),
    architectures: Array.isArray(config.architectures) ? config.architectures.map(String) : undefined,
    numLabels,
    id2label,
    hiddenSizes: numbers(config.hidden_sizes),
    depths: numbers(config.depths),
    decoderHiddenSize: num(config.decoder_hidden_size),
    preprocessor: {
      size: preprocessor.size,
      imageMean: numbers(preprocessor.image_mean),
      imageStd: numbers(preprocessor.image_std),
      resample,
      resampleName: resample !== undefined ? RESAMPLE_NAMES[resample] : undefined,
      doResize: bool(preprocessor.do_resize),
      doRescale: bool(preprocessor.do_rescale),
      rescaleFactor: num(preprocessor.rescale_factor),
      doNormalize: bool(preprocessor.do_normalize),
      doReduceLabels: bool(preprocessor.do_reduce_labels),
      processorClass: str(preprocessor.image_processor_type) ?? str(preprocessor.feature_extractor_type),
    },
  };
}

async function sizeWithData(path: string): Promise<number | undefined> {
  const size = await fileSize(path);
  if (size === undefined) return undefined;
  return size + ((await fileSize(`${path}_data`)) ?? 0);
}

/**
 * Describes a model: a folder, the shipped default (no source), or a hub id. Hub ids need only
 * config.json and preprocessor_config.json (from the cache, else downloaded); variants not on disk
 * are asked of the hub with HEAD requests when online.
 */
export async function modelInfo(source?: string, options: HubOptions = {}): Promise<ModelInfo> {
  const parsed = parseModelSource(source);
  if (parsed.kind !== 'hub') {
    const { dir } = parsed;
    const folder = await stat(dir).catch(() => undefined);
    if (!folder?.isDirectory()) {
      if (parsed.kind === 'default') throw defaultModelMissing(dir);
      if (!folder) throw localModelMissing(dir);
      throw new FaceParseError(
        'MODEL_NOT_FOUND',
        `model source ${dir} is a file, not a model folder; pass the folder holding config.json and onnx/, or a hub id`,
      );
    }
    const config = await readJson(join(dir, CONFIG_FILE), CONFIG_FILE);
    const preprocessor = await readJson(join(dir, PREPROCESSOR_FILE), PREPROCESSOR_FILE);
    const variants: VariantInfo[] = [];
    for (const variant of VARIANTS) {
      const file = VARIANT_FILES[variant];
      const size = await sizeWithData(join(dir, ...file.split('/')));
      variants.push({ variant, file, present: size !== undefined, ...(size !== undefined ? { size } : {}) });
    }
    return { source: 'local', dir, ...summariseConfig(config, preprocessor), variants };
  }

  const ctx = hubContext(options);
  const { id } = parsed.id;
  const revision = hubRevision(parsed.id, options.revision);
  const hub = await resolveHubFiles(ctx, id, revision, [CONFIG_FILE, PREPROCESSOR_FILE], 'fp32').catch((error: unknown) => {
    throw error instanceof FaceParseError && source !== undefined ? neitherFolderNorHub(source, error) : error;
  });
  const config = await readJson(hub.paths[CONFIG_FILE]!, CONFIG_FILE);
  const preprocessor = await readJson(hub.paths[PREPROCESSOR_FILE]!, PREPROCESSOR_FILE);
  const repo = repoDir(ctx.client.cacheDir, id);
  const variants = await Promise.all(
    VARIANTS.map(async (variant): Promise<VariantInfo> => {
      const file = VARIANT_FILES[variant];
      const cached = await cachedFile(repo, hub.commit, file);
      if (cached) {
        const size = (await fileSize(cached))! + ((await fileSize(`${cached}_data`)) ?? 0);
        return { variant, file, present: true, size };
      }
      if (ctx.offline) return { variant, file, present: false, available: null };
      const meta = await headFile(ctx.client, { id, revision: hub.commit, file }, ctx.signal);
      if (!meta) return { variant, file, present: false, available: false };
      const data = await headFile(ctx.client, { id, revision: hub.commit, file: externalDataFile(file) }, ctx.signal);
      const size = meta.size === undefined ? undefined : meta.size + (data?.size ?? 0);
      return { variant, file, present: false, available: true, ...(size !== undefined ? { size } : {}) };
    }),
  );
  return {
    source: hub.downloaded ? 'download' : 'cache',
    dir: hub.dir,
    id,
    revision,
    commit: hub.commit,
    ...summariseConfig(config, preprocessor),
    variants,
  };
}
