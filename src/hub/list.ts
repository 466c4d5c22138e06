/** What models are on this machine: the cache's model repos and the model shipped with the package. */
import { join } from 'node:path';
import { fileSize, scanCache } from './cache.js';
import { resolveCacheDir } from './config.js';
import { VARIANT_FILES, VARIANTS, type ModelVariant } from './files.js';
import { idFromRepoFolder } from './ids.js';
import { defaultModelDir } from './resolve.js';

export interface ListedVariant {
  variant: ModelVariant;
  file: string;
  /** Bytes, external data included. */
  size: number;
}

export interface ListedRevision {
  commit: string;
  /** Branches and tags pointing at this commit in the cache. */
  refs: string[];
  dir: string;
  variants: ListedVariant[];
  /** Sum of the sizes of the files in this snapshot. */
  size: number;
  /** Has config.json and preprocessor_config.json. */
  complete: boolean;
}

export interface ListedModel {
  id: string;
  dir: string;
  /** Bytes the repo takes in the cache (blobs shared between revisions counted once). */
  sizeOnDisk: number;
  revisions: ListedRevision[];
}

export interface ModelList {
  cacheDir: string;
  /** The model shipped with the package; `present: false` when its folder is missing. */
  default: { dir: string; present: boolean; variants: ListedVariant[] };
  models: ListedModel[];
}

async function variantsIn(files: Map<string, number>): Promise<ListedVariant[]> {
  const out: ListedVariant[] = [];
  for (const variant of VARIANTS) {
    const file = VARIANT_FILES[variant];
    const size = files.get(file);
    if (size !== undefined) out.push({ variant, file, size: size + (files.get(`${file}_data`) ?? 0) });
  }
  return out;
}

export async function listModels(options: { cacheDir?: string } = {}): Promise<ModelList> {
  const cacheDir = resolveCacheDir(options.cacheDir);
  const repos = await scanCache(cacheDir, idFromRepoFolder);
  const models: ListedModel[] = [];
  for (const repo of repos) {
    const revisions: ListedRevision[] = [];
    for (const snap of repo.snapshots) {
      const files = new Map(snap.files.map((f) => [f.file, f.size]));
      revisions.push({
        commit: snap.commit,
        refs: snap.refs,
        dir: snap.dir,
        variants: await variantsIn(files),
        size: snap.files.reduce((sum, f) => sum + f.size, 0),
        complete: files.has('config.json') && files.has('preprocessor_config.json'),
      });
    }
    models.push({ id: repo.id, dir: repo.dir, sizeOnDisk: repo.sizeOnDisk, revisions });
  }
  const dir = defaultModelDir();
  const defaultFiles = new Map<string, number>();
  for (const variant of VARIANTS) {
    for (const file of [VARIANT_FILES[variant], `${VARIANT_FILES[variant]}_data`]) {
      const size = await fileSize(join(dir, ...file.split('/')));
      if (size !== undefined) defaultFiles.set(file, size);
    }
  }
  const present = (await fileSize(join(dir, 'config.json'))) !== undefined;
  return { cacheDir, default: { dir, present, variants: await variantsIn(defaultFiles) }, models };
}
