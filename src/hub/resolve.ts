/**
 * Model sources: a local folder, or a hub id `owner/name[@revision]` resolved from the cache
 * first and downloaded otherwise (unless offline).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaceParseError } from '../base/errors.js';
import { expandHome } from '../platform/node/files.js';
import { cachedCommit, cachedFile, fileSize, isKnownMissing, repoDir, snapshotDir } from './cache.js';
import { offlineReason, resolveCacheDir, resolveEndpoint, resolveOffline, resolveToken } from './config.js';
import { downloadOptional, downloadToCache, type DownloadProgress, type HubClient } from './download.js';
import { CONFIG_FILE, externalDataFile, PREPROCESSOR_FILE, parseVariant, VARIANT_FILES, VARIANTS, type ModelVariant } from './files.js';
import { resolveNetworkLimits } from './transfer.js';
import { DEFAULT_REVISION, isCommitHash, parseModelId, validateRevision, type ModelId } from './ids.js';

import type { HubOptions, ResolvedModel } from './types.js';
export type { HubOptions, ResolvedModel, DownloadProgress } from './types.js';

/** The package root: the folder above this file holding faceparse's package.json (src/ and dist/src/ alike). */
export function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  let fallback: string | undefined;
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      fallback ??= dir;
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'faceparse') return dir;
      } catch {
        // Not JSON: keep walking up.
      }
    }
    if (dirname(dir) === dir) return fallback ?? resolve(start, '..', '..');
  }
}

/** `<package root>/models/face-parsing-mini`, the model shipped with the package. */
export function defaultModelDir(): string {
  return join(packageRoot(), 'models', 'face-parsing-mini');
}

/** The error for a package whose shipped model folder is absent. */
export function defaultModelMissing(dir: string): FaceParseError {
  return new FaceParseError(
    'MODEL_NOT_FOUND',
    `the model shipped with faceparse is missing (no folder ${dir}; is the package installed completely?); ` +
      'pass --model with a model folder or a hub id such as jonathandinu/face-parsing',
  );
}

/**
 * What the parent of a missing folder holds, so that a typo shows next to what was meant:
 * `/x/models holds: face-parsing-mini` or `/x/models does not exist either`.
 */
function parentHint(dir: string): string {
  const parent = dirname(dir);
  let names: string[];
  try {
    names = readdirSync(parent, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return `${parent} does not exist either`;
  }
  if (names.length === 0) return `${parent} holds no folders`;
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … ${names.length - 8} more` : '');
  return `${parent} holds: ${shown}`;
}

const MODEL_FOLDER_HINT =
  'pass --model with a model folder (config.json, preprocessor_config.json, onnx/model.onnx) or a hub id such as jonathandinu/face-parsing';

/** The error for a local model folder that does not exist. */
export function localModelMissing(dir: string): FaceParseError {
  return new FaceParseError('MODEL_NOT_FOUND', `model folder ${dir} does not exist (${parentHint(dir)}); ${MODEL_FOLDER_HINT}`);
}

/**
 * The error for a source written like a hub id (`models/face-parsing-min`) that is no folder here
 * and failed on the hub too: a mistyped folder reads like an id, so both are said, the folder first
 * when its parent folder exists (then a folder is what was most likely meant).
 */
export function neitherFolderNorHub(source: string, hubError: FaceParseError): FaceParseError {
  const dir = resolve(source);
  if (isDirectory(dirname(dir))) {
    return new FaceParseError(
      'MODEL_NOT_FOUND',
      `model folder ${source} does not exist (no folder ${dir}; ${parentHint(dir)}); ` +
        `tried as a hub id, it failed too: ${hubError.message}. ` +
        `For a folder, check the name; for a hub model, check the id`,
      { cause: hubError },
    );
  }
  return new FaceParseError(hubError.code, `${hubError.message}. "${source}" is not a model folder either (no folder ${dir}); for a folder, check the path`, {
    cause: hubError,
  });
}

/** True when `source` is written as a path: absolute, `./x`, `../x`, `~/x`, `.` or `..`. */
export function isPathSyntax(source: string): boolean {
  return isAbsolute(source) || source === '.' || source === '..' || source === '~' || /^(\.{1,2}|~)[\\/]/.test(source);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export type ModelSource = { kind: 'default'; dir: string } | { kind: 'local'; dir: string } | { kind: 'hub'; id: ModelId };

/** Classifies a source: the default model, a local folder, or a (validated) hub id. */
export function parseModelSource(source: string | undefined): ModelSource {
  if (source === undefined || source.trim() === '') return { kind: 'default', dir: defaultModelDir() };
  if (isPathSyntax(source)) return { kind: 'local', dir: resolve(expandHome(source)) };
  if (isDirectory(source)) return { kind: 'local', dir: resolve(source) };
  try {
    return { kind: 'hub', id: parseModelId(source) };
  } catch (error) {
    if (error instanceof FaceParseError) {
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        `model source "${source}" is neither an existing folder nor a valid hub id: no folder ${resolve(source)}, and ${error.message}. ` +
          'For a folder, check the path (write it as ./path or an absolute path)',
      );
    }
    throw error;
  }
}

function pullCommand(id: string, revision: string, variant: ModelVariant): string {
  return `faceparse models pull ${id}` + (revision !== DEFAULT_REVISION ? ` --revision ${revision}` : '') + (variant !== 'fp32' ? ` --variant ${variant}` : '');
}

async function presentVariants(dir: string): Promise<ModelVariant[]> {
  const present: ModelVariant[] = [];
  for (const v of VARIANTS) if ((await fileSize(join(dir, ...VARIANT_FILES[v].split('/')))) !== undefined) present.push(v);
  return present;
}

const LOCAL_VARIANT_PREFERENCE: readonly ModelVariant[] = ['fp32', 'q8', 'fp16'];

/** Checks a local model folder and names exactly what is missing. */
export async function resolveLocalModel(dir: string, requested: ModelVariant | undefined, notFound?: () => FaceParseError): Promise<ResolvedModel> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) {
    throw notFound?.() ?? localModelMissing(dir);
  }
  if (!info.isDirectory()) {
    throw new FaceParseError(
      'MODEL_NOT_FOUND',
      `model source ${dir} is a file, not a model folder; pass --model with the folder holding config.json and onnx/, or a hub id`,
    );
  }
  const path = (file: string): string => join(dir, ...file.split('/'));
  const present = await presentVariants(dir);
  for (const file of [CONFIG_FILE, PREPROCESSOR_FILE]) {
    if ((await fileSize(path(file))) === undefined) {
      throw new FaceParseError(
        'MODEL_FILE_MISSING',
        `model folder ${dir} has no ${file}, so it is not a model in the Hugging Face layout ` +
          '(config.json, preprocessor_config.json, onnx/model.onnx); pass --model with another folder, or a hub id and run `faceparse models pull ID`',
      );
    }
  }
  // No variant asked for: the first present of fp32, q8, fp16 (the embedded model ships q8 and fp16).
  const variant = requested ?? LOCAL_VARIANT_PREFERENCE.find((v) => present.includes(v)) ?? 'fp32';
  const onnxFile = VARIANT_FILES[variant];
  if (!present.includes(variant)) {
    throw new FaceParseError(
      'MODEL_FILE_MISSING',
      `model folder ${dir} has no ${onnxFile} (variant ${variant}); ` +
        (present.length > 0
          ? `it has variant${present.length > 1 ? 's' : ''} ${present.join(', ')}: pass --variant ${present[0]}, or --model with another model`
          : 'it has no ONNX weights at all (onnx/model.onnx, onnx/model_fp16.onnx or onnx/model_quantized.onnx); pass --model with another folder, or run `faceparse models pull ID`'),
    );
  }
  const dataPath = path(externalDataFile(onnxFile));
  const hasData = (await fileSize(dataPath)) !== undefined;
  return {
    dir,
    variant,
    source: 'local',
    files: {
      config: path(CONFIG_FILE),
      preprocessor: path(PREPROCESSOR_FILE),
      onnx: path(onnxFile),
      ...(hasData ? { onnxData: dataPath } : {}),
    },
  };
}

/** Settings of one hub call, after options and environment are read. */
export interface HubContext {
  client: HubClient;
  offline: boolean;
  offlineReason: string;
  refresh: boolean;
  onProgress?: (event: DownloadProgress) => void;
  signal?: AbortSignal;
}

export function hubContext(options: HubOptions = {}): HubContext {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return {
    client: {
      endpoint: resolveEndpoint(options.endpoint),
      token: resolveToken(options.token),
      cacheDir: resolveCacheDir(options.cacheDir),
      fetch: fetchImpl,
      retries: Math.max(0, options.retries ?? 2),
      retryDelayMs: Math.max(0, options.retryDelayMs ?? 500),
      limits: resolveNetworkLimits(options.network),
    },
    offline: resolveOffline(options.offline),
    offlineReason: offlineReason(options.offline),
    refresh: options.refresh ?? false,
    onProgress: options.onProgress,
    signal: options.signal,
  };
}

export function hubRevision(id: ModelId, revision: string | undefined): string {
  if (revision !== undefined && revision !== '') validateRevision(revision);
  if (id.revision !== undefined && revision !== undefined && revision !== '' && revision !== id.revision) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `two revisions given for ${id.id}: "@${id.revision}" in the id and "${revision}" as --revision; give only one`,
    );
  }
  return id.revision ?? (revision || DEFAULT_REVISION);
}

export interface HubFiles {
  dir: string;
  commit: string;
  paths: Record<string, string>;
  downloaded: boolean;
}

/**
 * Finds `files` of a hub model at `revision` in the cache, downloading what is missing unless
 * offline. The first download pins the commit; the rest are fetched at that commit, so one
 * resolve never mixes two commits.
 */
export async function resolveHubFiles(ctx: HubContext, id: string, revision: string, files: string[], variantForHints: ModelVariant): Promise<HubFiles> {
  const { client } = ctx;
  const repo = repoDir(client.cacheDir, id);
  let commit = ctx.refresh && !isCommitHash(revision) ? undefined : await cachedCommit(repo, revision);
  const paths: Record<string, string> = {};
  if (commit) {
    for (const file of files) {
      const path = await cachedFile(repo, commit, file);
      if (path) paths[file] = path;
    }
  }
  let missing = files.filter((f) => !(f in paths));
  if (missing.length === 0 && commit && !ctx.refresh) return { dir: snapshotDir(repo, commit), commit, paths, downloaded: false };

  if (ctx.offline) {
    const pull = pullCommand(id, revision, variantForHints);
    if (!commit) {
      throw new FaceParseError(
        'HUB_OFFLINE',
        `${ctx.offlineReason} and ${id}@${revision} is not in the cache at ${client.cacheDir}; ` +
          `run \`${pull}\` while online, or pass --cache-dir with the cache where it was pulled`,
      );
    }
    throw new FaceParseError(
      'HUB_OFFLINE',
      `${ctx.offlineReason} and ${id}@${revision} has no cached ${missing.join(', ')} (in ${snapshotDir(repo, commit)}); ` + `run \`${pull}\` while online`,
    );
  }

  const what = (file: string): string | undefined => (Object.values(VARIANT_FILES).includes(file) ? `(variant ${variantForHints})` : undefined);
  const opts = { onProgress: ctx.onProgress, signal: ctx.signal };
  if (!commit || ctx.refresh) {
    // The first file asks for the revision by name and learns its commit.
    const first = missing[0] ?? files[0]!;
    const got = await downloadToCache(client, { id, revision, file: first, what: what(first) }, opts);
    commit = got.commit;
    for (const key of Object.keys(paths)) delete paths[key];
    paths[first] = got.path;
    if (!ctx.refresh) {
      for (const file of files) {
        if (file in paths) continue;
        const path = await cachedFile(repo, commit, file);
        if (path) paths[file] = path;
      }
    }
    // A refresh (models pull) fetches the metadata of every file, so that a cached blob that is
    // not what its name says is downloaded again: that is how a pull repairs a cache.
    missing = files.filter((f) => !(f in paths));
  }
  const pinned = commit;
  // Wait for every download to settle before reporting a failure, so that nothing of this call
  // is still writing to the cache once it has returned or thrown.
  const settled = await Promise.allSettled(
    missing.map((file) => downloadToCache(client, { id, revision: pinned, file, what: what(file), asked: revision }, opts)),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  missing.forEach((file, i) => (paths[file] = (settled[i] as PromiseFulfilledResult<{ path: string }>).value.path));
  return { dir: snapshotDir(repo, pinned), commit: pinned, paths, downloaded: true };
}

/** The external-data file of a hub model: cached, known absent, fetched (online), or assumed absent (offline). */
async function resolveHubExternalData(ctx: HubContext, id: string, commit: string, file: string): Promise<{ path?: string; downloaded: boolean }> {
  const repo = repoDir(ctx.client.cacheDir, id);
  const cached = await cachedFile(repo, commit, file);
  if (cached && !ctx.refresh) return { path: cached, downloaded: false };
  if (ctx.offline || (await isKnownMissing(repo, commit, file))) return { downloaded: false };
  const got = await downloadOptional(ctx.client, { id, revision: commit, file }, commit, {
    onProgress: ctx.onProgress,
    signal: ctx.signal,
  });
  return got ? { path: got.path, downloaded: got.downloaded } : { downloaded: false };
}

/**
 * Resolves a model source to a folder with its files.
 *
 * - `undefined` or `''`: the model shipped with the package ({@link defaultModelDir}).
 * - A path (absolute, `./x`, `../x`, `~/x`) or an existing folder: checked in place.
 * - `owner/name[@revision]`: from the cache when the revision and files are there (no request at
 *   all), else downloaded from `{endpoint}/{id}/resolve/{revision}/{file}` unless offline. Only the
 *   files of the chosen variant are fetched, plus its external-data file when the repo has one.
 */
export async function resolveModel(source?: string, options: HubOptions = {}): Promise<ResolvedModel> {
  const requested = options.variant === undefined ? undefined : parseVariant(options.variant);
  const parsed = parseModelSource(source);
  if (parsed.kind === 'default') return resolveLocalModel(parsed.dir, requested, () => defaultModelMissing(parsed.dir));
  if (parsed.kind === 'local') return resolveLocalModel(parsed.dir, requested);
  const variant = requested ?? 'fp32';

  const ctx = hubContext(options);
  const { id } = parsed.id;
  const revision = hubRevision(parsed.id, options.revision);
  const onnxFile = VARIANT_FILES[variant];
  let hub: HubFiles;
  let data: { path?: string; downloaded: boolean };
  try {
    hub = await resolveHubFiles(ctx, id, revision, [CONFIG_FILE, PREPROCESSOR_FILE, onnxFile], variant);
    data = await resolveHubExternalData(ctx, id, hub.commit, externalDataFile(onnxFile));
  } catch (error) {
    throw error instanceof FaceParseError && source !== undefined ? neitherFolderNorHub(source, error) : error;
  }
  return {
    dir: hub.dir,
    id,
    revision,
    commit: hub.commit,
    variant,
    source: hub.downloaded || data.downloaded ? 'download' : 'cache',
    files: {
      config: hub.paths[CONFIG_FILE]!,
      preprocessor: hub.paths[PREPROCESSOR_FILE]!,
      onnx: hub.paths[onnxFile]!,
      ...(data.path ? { onnxData: data.path } : {}),
    },
  };
}
