/**
 * Model folders over HTTP in the Hugging Face layout (config.json, preprocessor_config.json,
 * onnx/model*.onnx): a folder URL, or a hub id `owner/name[@revision]` resolved as transformers.js
 * does, `{endpoint}/{id}/resolve/{revision}/{file}`. Files are kept in Cache Storage (when the
 * page has it: secure contexts only), so a model downloads once and then loads offline.
 */
import { FaceParseError } from '../../base/errors.js';
import type { ModelVariant } from '../../base/types.js';
import { DEFAULT_REVISION, looksLikeModelId, parseModelId } from '../../hub/ids.js';
import type { SharedParserOptions } from '../../pipeline/options.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
export const MODEL_CACHE_NAME = 'faceparse-models-v1';

/** The ONNX file of each variant (the transformers.js export layout). */
export const VARIANT_FILES: Record<ModelVariant, string> = {
  fp32: 'onnx/model.onnx',
  q8: 'onnx/model_quantized.onnx',
  fp16: 'onnx/model_fp16.onnx',
};
/** Node's order for folders: the first present of these. */
const FOLDER_VARIANT_ORDER: ModelVariant[] = ['fp32', 'q8', 'fp16'];

export interface ModelProgress {
  /** Path of the file in the model folder, e.g. `onnx/model.onnx`. */
  file: string;
  /** Bytes received so far. */
  loaded: number;
  /** Bytes expected, when the server said. */
  total?: number;
  /** True when the file came from Cache Storage. */
  cached: boolean;
}

/** Where the browser's model comes from: the shared options (src/pipeline/options.ts, with their docs) and the browser's own. */
export interface WebModelSourceOptions
  extends Pick<SharedParserOptions<string, never, ModelProgress>, 'variant' | 'endpoint' | 'revision' | 'onProgress' | 'signal'> {
  /** Keep model files in Cache Storage and read them from there (loads offline next time). Default true. */
  cache?: boolean;
  fetch?: typeof fetch;
}

/**
 * A model folder the user picked (e.g. `<input type="file" webkitdirectory>`): files by their path
 * inside the folder ('config.json', 'onnx/model.onnx', ...).
 */
export type LocalModelFolder = Record<string, Blob>;

/** A picked folder's FileList to a LocalModelFolder (the first path segment, the folder's own name, is dropped). */
export function localModelFolder(files: Iterable<File>): LocalModelFolder {
  const folder: LocalModelFolder = {};
  for (const file of files) {
    const path = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
    const parts = path.split('/');
    folder[parts.length > 1 ? parts.slice(1).join('/') : path] = file;
  }
  return folder;
}

export interface WebModelFiles {
  /** The folder URL, ending in '/'. */
  baseUrl: string;
  /** The hub id, when the model was one. */
  id?: string;
  variant: ModelVariant;
  config: unknown;
  preprocessor: unknown;
  onnx: Uint8Array;
}

/** True when `source` is a URL or path rather than a hub id. */
function isUrlLike(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(source) || source.startsWith('/') || source.startsWith('.') || source.endsWith('/');
}

export function modelBaseUrl(
  source: string,
  options: Pick<WebModelSourceOptions, 'endpoint' | 'revision'> = {},
  base?: string,
): { baseUrl: string; id?: string } {
  if (!isUrlLike(source) && looksLikeModelId(source)) {
    const parsed = parseModelId(source);
    const revision = parsed.revision ?? options.revision ?? DEFAULT_REVISION;
    const endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
    return { baseUrl: `${endpoint}/${parsed.id}/resolve/${encodeURIComponent(revision)}/`, id: parsed.id };
  }
  let url: URL;
  try {
    url = new URL(source, base ?? globalThis.location?.href);
  } catch (error) {
    throw new FaceParseError('INVALID_ARGUMENT', `model "${source}" is neither a URL of a model folder nor a hub id owner/name`, { cause: error });
  }
  const href = url.href.endsWith('/') ? url.href : `${url.href}/`;
  return { baseUrl: href };
}

async function openCache(enabled: boolean): Promise<Cache | undefined> {
  if (!enabled || typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(MODEL_CACHE_NAME);
  } catch {
    return undefined; // e.g. an opaque origin: go on without the cache
  }
}

async function readBody(response: Response, file: string, cached: boolean, onProgress: WebModelSourceOptions['onProgress']): Promise<Uint8Array> {
  const header = response.headers.get('content-length');
  const total = header !== null && !response.headers.get('content-encoding') ? Number(header) : undefined;
  if (!response.body || !onProgress) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress({ file, loaded, total, cached });
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress({ file, loaded, total, cached });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** One file of the folder: from the cache, else fetched (and cached). Undefined on 404 when `optional`. */
async function fetchFile(
  baseUrl: string,
  file: string,
  cache: Cache | undefined,
  options: WebModelSourceOptions,
  optional: boolean,
): Promise<Uint8Array | undefined> {
  const url = baseUrl + file;
  const hit = await cache?.match(url);
  if (hit) return readBody(hit, file, true, options.onProgress);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new FaceParseError(
      'HUB_OFFLINE',
      `could not fetch ${url} (${(error as Error).message}); check the connection, or that the model's server allows this origin (CORS)`,
      { cause: error },
    );
  }
  if (response.status === 404 && optional) return undefined;
  if (response.status === 404) {
    throw new FaceParseError(
      'MODEL_FILE_MISSING',
      `${url} was not found (HTTP 404); a model folder needs config.json, preprocessor_config.json and onnx/model*.onnx`,
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new FaceParseError(
      'HUB_HTTP',
      `${url} answered HTTP ${response.status}: the model is private or gated; a browser page cannot send a token for it, so serve the model folder yourself`,
    );
  }
  if (!response.ok) throw new FaceParseError('HUB_HTTP', `${url} answered HTTP ${response.status}; try again later or use another model`);
  const bytes = await readBody(response, file, false, options.onProgress);
  if (cache) {
    const headers = { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream', 'content-length': String(bytes.byteLength) };
    await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers })).catch(() => undefined); // a full quota only costs the next download
  }
  return bytes;
}

function parseJson(bytes: Uint8Array, url: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new FaceParseError('MODEL_INVALID', `${url} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Fetch a model folder's configs and ONNX file. Without `variant`, hub ids get fp32 and folders
 * the first present of fp32, q8, fp16 (as in Node; a missing one costs a 404 request).
 */
export async function fetchModelFiles(source: string | LocalModelFolder, options: WebModelSourceOptions = {}): Promise<WebModelFiles> {
  if (typeof source !== 'string') return readLocalFolder(source, options.variant);
  const { baseUrl, id } = modelBaseUrl(source, options);
  const cache = await openCache(options.cache ?? true);
  // Both at once; a failure is reported in file order (config.json first), whichever came back first.
  const settled = await Promise.allSettled([
    fetchFile(baseUrl, 'config.json', cache, options, false),
    fetchFile(baseUrl, 'preprocessor_config.json', cache, options, false),
  ]);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const [configBytes, preprocessorBytes] = settled.map((s) => (s as PromiseFulfilledResult<Uint8Array | undefined>).value);
  const order = options.variant ? [options.variant] : id ? (['fp32'] as ModelVariant[]) : FOLDER_VARIANT_ORDER;
  for (const variant of order) {
    const onnx = await fetchFile(baseUrl, VARIANT_FILES[variant], cache, options, order.length > 1);
    if (onnx) {
      return {
        baseUrl,
        id,
        variant,
        config: parseJson(configBytes!, baseUrl + 'config.json'),
        preprocessor: parseJson(preprocessorBytes!, baseUrl + 'preprocessor_config.json'),
        onnx,
      };
    }
  }
  throw new FaceParseError('MODEL_FILE_MISSING', `${baseUrl} has none of ${order.map((v) => VARIANT_FILES[v]).join(', ')}; pass the variant the folder has`);
}

async function readLocalFolder(folder: LocalModelFolder, variant: ModelVariant | undefined): Promise<WebModelFiles> {
  const need = (file: string): Blob => {
    const blob = folder[file];
    if (!blob)
      throw new FaceParseError(
        'MODEL_FILE_MISSING',
        `the chosen folder has no ${file}; a model folder needs config.json, preprocessor_config.json and onnx/model*.onnx`,
      );
    return blob;
  };
  const order = variant ? [variant] : FOLDER_VARIANT_ORDER;
  const chosen = order.find((v) => folder[VARIANT_FILES[v]] !== undefined);
  if (!chosen) throw new FaceParseError('MODEL_FILE_MISSING', `the chosen folder has none of ${order.map((v) => VARIANT_FILES[v]).join(', ')}`);
  const [config, preprocessor, onnx] = await Promise.all([
    need('config.json').arrayBuffer(),
    need('preprocessor_config.json').arrayBuffer(),
    need(VARIANT_FILES[chosen]).arrayBuffer(),
  ]);
  return {
    baseUrl: 'local-folder/',
    variant: chosen,
    config: parseJson(new Uint8Array(config), 'config.json'),
    preprocessor: parseJson(new Uint8Array(preprocessor), 'preprocessor_config.json'),
    onnx: new Uint8Array(onnx),
  };
}

/** Remove every cached model file (e.g. from a settings page). */
export async function clearModelCache(): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  return caches.delete(MODEL_CACHE_NAME);
}
