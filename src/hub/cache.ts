/**
 * The on-disk cache, in the layout of Python's `huggingface_hub` (see the Hub's "local cache" doc):
 *
 *   <cache>/models--owner--name/
 *     blobs/<etag>                      file contents, named by git SHA-1 (small files) or SHA-256 (LFS)
 *     refs/<revision>                   the commit hash a branch or tag pointed to when last resolved
 *     snapshots/<commit>/<file>         relative symlinks to ../../blobs/<etag> (copies where symlinks fail)
 *     .no_exist/<commit>/<file>         empty markers for optional files the Hub does not have
 *
 * Models downloaded by Python are found here offline, and Python finds ours.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, readdir, readFile, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { isCommitHash, repoFolderName, validateRevision } from './ids.js';

export function repoDir(cacheDir: string, id: string): string {
  return join(cacheDir, repoFolderName(id));
}

function fileIn(root: string, file: string): string {
  return join(root, ...file.split('/'));
}

export function snapshotDir(repo: string, commit: string): string {
  return join(repo, 'snapshots', commit);
}

export function blobPath(repo: string, etag: string): string {
  return join(repo, 'blobs', etag);
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Temporary sibling name: unique per call, so concurrent writers never share one. */
export function tempName(path: string, suffix = '.tmp'): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}${suffix}`;
}

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempName(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
}

/** The commit `refs/<revision>` holds, or undefined. */
export async function readRef(repo: string, revision: string): Promise<string | undefined> {
  validateRevision(revision);
  try {
    const commit = (await readFile(fileIn(join(repo, 'refs'), revision), 'utf8')).trim();
    return commit !== '' && !commit.includes('/') && !commit.includes('\\') && commit !== '..' && commit !== '.' ? commit : undefined;
  } catch {
    return undefined;
  }
}

export async function writeRef(repo: string, revision: string, commit: string): Promise<void> {
  validateRevision(revision);
  if (revision === commit) return;
  await writeFileAtomic(fileIn(join(repo, 'refs'), revision), commit);
}

/** The snapshot commit a revision maps to in the cache: the hash itself, or what its ref holds. */
export async function cachedCommit(repo: string, revision: string): Promise<string | undefined> {
  if (isCommitHash(revision)) return (await exists(snapshotDir(repo, revision))) ? revision : undefined;
  return readRef(repo, revision);
}

/** Absolute path of `file` in the snapshot when it is there and its target is a file. */
export async function cachedFile(repo: string, commit: string, file: string): Promise<string | undefined> {
  const path = fileIn(snapshotDir(repo, commit), file);
  return (await fileSize(path)) !== undefined ? path : undefined;
}

export async function isKnownMissing(repo: string, commit: string, file: string): Promise<boolean> {
  return exists(fileIn(join(repo, '.no_exist', commit), file));
}

export async function markMissing(repo: string, commit: string, file: string): Promise<void> {
  const path = fileIn(join(repo, '.no_exist', commit), file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '');
}

/**
 * Points `snapshots/<commit>/<file>` at `blobs/<etag>` with a relative symlink, replacing any
 * previous entry atomically. Where symlinks are not allowed, it places a copy instead (as Python
 * does on Windows without developer mode).
 */
export async function linkSnapshot(repo: string, commit: string, file: string, etag: string): Promise<string> {
  const target = fileIn(snapshotDir(repo, commit), file);
  const blob = blobPath(repo, etag);
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempName(target);
  try {
    await symlink(relative(dirname(target), blob).split(sep).join('/'), tmp);
  } catch {
    await copyFile(blob, tmp);
  }
  try {
    await rename(tmp, target);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
  return target;
}

export interface CachedSnapshot {
  commit: string;
  dir: string;
  /** Revisions (branches, tags) whose ref points here. */
  refs: string[];
  /** Files present, relative to the snapshot, with their sizes in bytes. */
  files: { file: string; size: number }[];
}

export interface CachedRepo {
  id: string;
  dir: string;
  snapshots: CachedSnapshot[];
  /** Sum of the blob sizes (what the repo takes on disk), partial downloads excluded. */
  sizeOnDisk: number;
}

async function listFiles(root: string, prefix = ''): Promise<{ file: string; size: number }[]> {
  const out: { file: string; size: number }[] = [];
  let entries;
  try {
    entries = await readdir(join(root, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      out.push(...(await listFiles(root, rel)));
    } else {
      const size = await fileSize(join(root, rel));
      if (size !== undefined) out.push({ file: rel, size });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

async function listRefs(refsDir: string, prefix = ''): Promise<{ revision: string; commit: string }[]> {
  const out: { revision: string; commit: string }[] = [];
  let entries;
  try {
    entries = await readdir(join(refsDir, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listRefs(refsDir, rel)));
    else if (entry.isFile()) {
      const commit = (await readFile(join(refsDir, rel), 'utf8').catch(() => '')).trim();
      if (commit) out.push({ revision: rel, commit });
    }
  }
  return out;
}

/** Every model repo in the cache folder (datasets and spaces are skipped). */
export async function scanCache(cacheDir: string, idFromFolder: (folder: string) => string | undefined): Promise<CachedRepo[]> {
  let entries;
  try {
    entries = await readdir(cacheDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const repos: CachedRepo[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const id = idFromFolder(entry.name);
    if (!id) continue;
    const dir = join(cacheDir, entry.name);
    const refs = await listRefs(join(dir, 'refs'));
    const snapshots: CachedSnapshot[] = [];
    for (const commit of (await readdir(join(dir, 'snapshots')).catch(() => [] as string[])).sort()) {
      const snapDir = snapshotDir(dir, commit);
      snapshots.push({
        commit,
        dir: snapDir,
        refs: refs
          .filter((r) => r.commit === commit)
          .map((r) => r.revision)
          .sort(),
        files: await listFiles(snapDir),
      });
    }
    let sizeOnDisk = 0;
    for (const blob of await readdir(join(dir, 'blobs')).catch(() => [] as string[])) {
      if (blob.endsWith('.incomplete') || blob.endsWith('.tmp')) continue;
      sizeOnDisk += (await fileSize(join(dir, 'blobs', blob))) ?? 0;
    }
    if (sizeOnDisk === 0) {
      // Copies instead of symlinks (no blobs): count the snapshot files.
      for (const s of snapshots) for (const f of s.files) sizeOnDisk += f.size;
    }
    repos.push({ id, dir, snapshots, sizeOnDisk });
  }
  return repos.sort((a, b) => a.id.localeCompare(b.id));
}
