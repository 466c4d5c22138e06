/**
 * Checking a file against the name the hub gave it, before it enters the cache and before a
 * cached blob is reused: LFS files are named by their SHA-256 (`X-Linked-Etag`), the others by
 * their git blob SHA-1 (`ETag`), which is `sha1("blob <size>\0" + content)`. Either way the size
 * the hub announced must match too.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

const SHA256 = /^[0-9a-f]{64}$/;
const SHA1 = /^[0-9a-f]{40}$/;

export type ChecksumKind = 'sha256' | 'git-sha1';

/** What an ETag lets us check: its hash kind, or undefined for a name that is no known hash. */
export function checksumKind(etag: string): ChecksumKind | undefined {
  if (SHA256.test(etag)) return 'sha256';
  if (SHA1.test(etag)) return 'git-sha1';
  return undefined;
}

export function checksumName(kind: ChecksumKind): string {
  return kind === 'sha256' ? 'SHA-256' : 'git blob SHA-1';
}

/** The digest of a file in the way `kind` names files. */
export async function fileDigest(path: string, kind: ChecksumKind): Promise<string> {
  const hash = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') hash.update(`blob ${(await stat(path)).size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export type BlobCheck = { ok: true; size: number } | { ok: false; why: string };

/**
 * Whether the file at `path` is what `etag` (and `size`, when known) name. A name that is no hash
 * (a mirror's own ETag) can only be checked by its size, and without a size it cannot be checked.
 */
export async function checkBlob(path: string, etag: string, size: number | undefined): Promise<BlobCheck> {
  let actual: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { ok: false, why: 'not a regular file' };
    actual = info.size;
  } catch {
    return { ok: false, why: 'missing' };
  }
  if (size !== undefined && actual !== size) return { ok: false, why: `${actual} bytes where ${size} were announced` };
  const kind = checksumKind(etag);
  if (!kind) {
    return size !== undefined ? { ok: true, size: actual } : { ok: false, why: 'neither a checksum nor a size to check it by' };
  }
  const digest = await fileDigest(path, kind);
  return digest === etag ? { ok: true, size: actual } : { ok: false, why: `${checksumName(kind)} ${digest}, expected ${etag}` };
}
