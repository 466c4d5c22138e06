/**
 * Downloads from a Hugging Face Hub endpoint into the shared cache, on Node's own `fetch`.
 *
 * Why not `@huggingface/hub` (npm, tried at 2.17.5 against a local test server):
 * - `downloadFileToCacheDir` names the snapshot folder after the last commit that *touched the
 *   file* (`lastCommit.id` from the paths-info API), not the commit the revision points to, and it
 *   writes no `refs/<revision>` at all. Python's `huggingface_hub` looks up `refs/main` and then
 *   `snapshots/<that commit>/<file>`, so models we downloaded through it would be invisible to
 *   Python and to our own offline mode (measured: `refs/` absent, snapshot = last-touch commit).
 * - It calls the JSON API (`POST /api/models/{id}/paths-info/{rev}`) and probes with a range GET
 *   before the real GET: 3 requests per file, and another API request on every later call with a
 *   branch name, because it has no cache-first path for revisions other than commit hashes, and no
 *   offline mode. The brief asks for `{endpoint}/{id}/resolve/{revision}/{file}` alone and for no
 *   request at all once a revision is cached.
 * - No progress callback, no abort signal, no size or checksum check before the `.incomplete`
 *   file is renamed, no sharing of concurrent downloads, and a `console.debug` line per download
 *   on stdout, which would break `faceparse ... --json` output.
 * Building on it would mean re-implementing all of the above around it; what is left (one GET
 * with redirects) is small, so this module does the whole thing on `fetch` with no new dependency.
 *
 * What it does, as Python's `hf_hub_download` does:
 * - GET `{endpoint}/{owner}/{name}/resolve/{revision}/{file}` with `redirect: 'manual'`. Metadata
 *   comes from the endpoint's own responses: `X-Repo-Commit` (snapshot commit), `X-Linked-Etag`
 *   (LFS files: their SHA-256) else `ETag` (git blob SHA-1) as the blob name, `X-Linked-Size`
 *   else `Content-Length` as the size. Same-origin redirects (renamed repos) keep the token;
 *   cross-origin ones (the CDN) are followed without the `Authorization` header.
 * - The body streams to `blobs/<etag>.<pid>-<random>.incomplete`, is size-checked and checked
 *   against its name (SHA-256 for LFS files, git blob SHA-1 for the others; src/hub/verify.ts),
 *   fsynced and renamed to `blobs/<etag>`; then `snapshots/<commit>/<file>`
 *   is linked to it and `refs/<revision>` written. An interrupted download leaves at most an
 *   `.incomplete` file, which nothing ever reads, and it is deleted when the failure is seen.
 * - Concurrent requests for the same file in one process share one download.
 * - Network errors, 5xx and 429 are retried (2 more tries by default, with back-off).
 * - Every request and body is bounded in time, speed and size (src/hub/transfer.ts); a stalled
 *   or trickling server fails with a message that names the limit, and is not retried.
 * - A blob already in the cache is checked the same way before it is reused, so a bad one is
 *   downloaded again (what `faceparse models pull` relies on to repair a cache).
 */
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FaceParseError } from '../base/errors.js';
import { blobPath, fileSize, linkSnapshot, markMissing, repoDir, tempName, writeRef } from './cache.js';
import { isCommitHash } from './ids.js';
import { GuardedRequest, maxBytesFor, type NetworkLimits } from './transfer.js';
import { checkBlob, checksumKind, checksumName, fileDigest } from './verify.js';

import type { DownloadProgress } from './types.js';
export type { DownloadProgress } from './types.js';

export interface HubClient {
  endpoint: string;
  token?: string;
  cacheDir: string;
  fetch: typeof fetch;
  /** Extra tries after a network error, 5xx or 429. */
  retries: number;
  /** Delay before the first retry; doubles each time. */
  retryDelayMs: number;
  /** Timeouts, minimum speed and size caps of every request (src/hub/transfer.ts). */
  limits: NetworkLimits;
}

export interface FetchedFile {
  /** Absolute path of the file in the snapshot folder. */
  path: string;
  commit: string;
  etag: string;
  size: number;
  /** False when the blob was already in the cache and only the snapshot link was made. */
  downloaded: boolean;
}

export interface FileMetadata {
  commit: string;
  etag: string;
  size?: number;
}

const USER_AGENT = `faceparse; node/${process.versions.node}`;
const ETAG_SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_REDIRECTS = 10;
/** A partial download nobody has written to for this long was left by a process that died. */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

/** `{endpoint}/{owner}/{name}/resolve/{revision}/{file}`, with the revision quoted as Python does. */
export function resolveUrl(endpoint: string, id: string, revision: string, file: string): string {
  return `${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** Python's `_normalize_etag`: drop a weak `W/` prefix and the quotes. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (etag === null) return undefined;
  const value = etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  return value === '' ? undefined : value;
}

interface Target {
  id: string;
  revision: string;
  file: string;
  /** Said after the file name in 404 messages, e.g. "(variant fp16)". */
  what?: string;
  /** The revision the user asked for, when `revision` is the commit it was pinned to; for messages. */
  asked?: string;
}

function describe(t: Target): string {
  return `${t.id}@${t.asked ?? t.revision}`;
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly final: FaceParseError,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function isAbort(error: unknown, signal?: AbortSignal): boolean {
  return (signal?.aborted ?? false) || (error instanceof Error && error.name === 'AbortError');
}

function networkDetail(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${code}: ${e.message}` : e.message);
    e = e.cause;
  }
  return [...new Set(parts)].join(' / ') || String(error);
}

function unreachable(client: HubClient, t: Target, detail: string, cause?: unknown): FaceParseError {
  return new FaceParseError(
    'HUB_HTTP',
    `could not download ${t.file} of ${describe(t)} from ${client.endpoint} (${detail}); ` +
      'check the network or --endpoint / HF_ENDPOINT and retry, or, if the model was pulled before, ' +
      'work from the cache with HF_HUB_OFFLINE=1',
    { cause },
  );
}

/** A limit of src/hub/transfer.ts stopped the request: said plainly, with the option that moves it. */
function stalledError(t: Target, origin: string, detail: string): FaceParseError {
  return new FaceParseError(
    'HUB_HTTP',
    `gave up downloading ${t.file} of ${describe(t)} from ${origin}: ${detail}; ` +
      'the server or the network is stalled: retry later, raise the limit (CLI --hub-timeout SECONDS, ' +
      'HF_HUB_DOWNLOAD_TIMEOUT, or the hub option network), or work from the cache with HF_HUB_OFFLINE=1 if the model was pulled before',
  );
}

/** Maps a failed fetch or body read to the error to throw: a stall, the caller's abort, or a retryable network error. */
function requestFailure(
  client: HubClient,
  t: Target,
  guard: GuardedRequest,
  url: string,
  error: unknown,
  signal: AbortSignal | undefined,
  detail?: string,
): unknown {
  if (guard.stalled) return stalledError(t, new URL(url).origin, guard.stalled.detail);
  if (isAbort(error, signal)) return error;
  return new RetryableError('network', unreachable(client, t, detail ?? networkDetail(error), error), { cause: error });
}

async function httpError(client: HubClient, t: Target, res: Response, guard: GuardedRequest): Promise<FaceParseError> {
  const code = res.headers.get('x-error-code') ?? '';
  let serverMessage = res.headers.get('x-error-message') ?? '';
  if (!serverMessage) {
    const text = await guard.text(res);
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (typeof parsed.error === 'string') serverMessage = parsed.error;
    } catch {
      serverMessage = text.length < 200 ? text.trim() : '';
    }
  } else {
    await res.body?.cancel().catch(() => {});
  }
  const said = serverMessage ? ` (the hub said: ${serverMessage})` : '';
  const status = `HTTP ${res.status}`;
  const repoUrl = `${client.endpoint}/${t.id}`;
  if (code === 'GatedRepo') {
    return new FaceParseError('HUB_HTTP', `${t.id} is gated (${status}): accept its conditions at ${repoUrl} and set HF_TOKEN or pass --token${said}`);
  }
  if (code === 'EntryNotFound' || (res.status === 404 && code === '' && res.headers.get('x-repo-commit'))) {
    return new FaceParseError(
      'MODEL_FILE_MISSING',
      `${describe(t)} has no file ${t.file}${t.what ? ` ${t.what}` : ''} (${status}); ` +
        `see which files it has at ${repoUrl}/tree/${encodeURIComponent(t.asked ?? t.revision)}` +
        (t.what ? ', and pick another --variant' : ''),
    );
  }
  if (code === 'RevisionNotFound') {
    if (t.asked !== undefined && t.asked !== t.revision) {
      return new FaceParseError(
        'MODEL_NOT_FOUND',
        `${t.id}@${t.asked} pointed to commit ${t.revision} when it was cached, and ${client.endpoint} no longer has that commit (${status}); ` +
          `run \`faceparse models pull ${t.id} --revision ${t.asked}\` to follow the branch`,
      );
    }
    return new FaceParseError(
      'MODEL_NOT_FOUND',
      `${t.id} has no revision "${t.revision}" at ${client.endpoint} (${status}); pass an existing branch, tag or commit with --revision or @revision`,
    );
  }
  if (res.status === 401 || res.status === 403) {
    const tokenHint = client.token
      ? 'the token that was sent (HF_TOKEN, --token or the token file) has no access to it: check it, or request access'
      : 'if it is private or gated, set HF_TOKEN or pass --token';
    return new FaceParseError(
      'HUB_HTTP',
      `access to ${t.id} was refused by ${client.endpoint} (${status}): the model does not exist or is private/gated; ` +
        `check the id, and ${tokenHint}${said}`,
    );
  }
  if (res.status === 404) {
    return new FaceParseError(
      'MODEL_NOT_FOUND',
      `no model ${t.id} at ${client.endpoint} (${status}, while fetching ${t.file}); check the id (owner/name) ` + `and --endpoint / HF_ENDPOINT${said}`,
    );
  }
  return new FaceParseError(
    'HUB_HTTP',
    `${client.endpoint} answered ${status} for ${t.file} of ${describe(t)}${said}; ` +
      (res.status >= 500 || res.status === 429
        ? 'the hub may be down or busy: retry later, or work from the cache with HF_HUB_OFFLINE=1 if the model was pulled before'
        : 'check the id, revision and --endpoint / HF_ENDPOINT'),
  );
}

interface Opened {
  res: Response;
  /** The limits the body is read under; the caller disposes of it. */
  guard: GuardedRequest;
  meta: { commit?: string; etag?: string; size?: number };
  /** Set when the endpoint redirected to another origin (the CDN): where the content is. */
  crossOrigin?: string;
}

/**
 * Requests the resolve URL, following same-origin redirects (renamed repos) by hand, with the
 * token. A redirect to another origin (the CDN) is not followed: its headers already carry the
 * metadata, and the caller decides whether the content is needed at all.
 */
async function openResolve(client: HubClient, t: Target, method: 'GET' | 'HEAD', signal: AbortSignal | undefined): Promise<Opened> {
  const endpointOrigin = new URL(client.endpoint).origin;
  let url = resolveUrl(client.endpoint, t.id, t.revision, t.file);
  let commit: string | undefined;
  let linkedEtag: string | undefined;
  let plainEtag: string | undefined;
  let linkedSize: number | undefined;
  let plainSize: number | undefined;
  for (let hop = 0; ; hop++) {
    // Only same-origin hops get here, so the token may go along.
    const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': USER_AGENT };
    if (client.token) headers.authorization = `Bearer ${client.token}`;
    let res: Response;
    const guard = new GuardedRequest(client.limits, signal);
    try {
      res = await guard.fetch(client.fetch, url, { method, headers, redirect: 'manual' });
    } catch (error) {
      guard.dispose();
      throw requestFailure(client, t, guard, url, error, signal);
    }
    const location = res.headers.get('location');
    const isRedirect = res.status >= 300 && res.status < 400 && location !== null;
    const crossOriginNext = isRedirect && new URL(location!, url).origin !== endpointOrigin;
    commit = res.headers.get('x-repo-commit') ?? commit;
    linkedEtag ??= normalizeEtag(res.headers.get('x-linked-etag'));
    const linked = res.headers.get('x-linked-size');
    if (linked !== null && linkedSize === undefined) linkedSize = Number(linked);
    if (!isRedirect || crossOriginNext) {
      // A same-origin redirect's own ETag describes the redirect, not the file.
      plainEtag = normalizeEtag(res.headers.get('etag')) ?? plainEtag;
      const length = res.headers.get('content-length');
      if (!isRedirect && length !== null) plainSize = Number(length);
    }
    if (isRedirect && !crossOriginNext) {
      await res.body?.cancel().catch(() => {});
      guard.dispose();
      if (hop >= MAX_REDIRECTS) {
        throw new FaceParseError('HUB_HTTP', `too many redirects fetching ${t.file} of ${describe(t)} from ${client.endpoint}; check --endpoint / HF_ENDPOINT`);
      }
      url = new URL(location!, url).href;
      continue;
    }
    if (!res.ok && !isRedirect) {
      const error = await httpError(client, t, res, guard);
      guard.dispose();
      if (res.status >= 500 || res.status === 429) throw new RetryableError(`HTTP ${res.status}`, error);
      throw error;
    }
    const size = Number.isFinite(linkedSize) ? linkedSize : Number.isFinite(plainSize) ? plainSize : undefined;
    return {
      res,
      guard,
      meta: { commit, etag: linkedEtag ?? plainEtag, size },
      ...(crossOriginNext ? { crossOrigin: new URL(location!, url).href } : {}),
    };
  }
}

function checkMetadata(client: HubClient, t: Target, meta: Opened['meta']): FileMetadata {
  const { commit, etag } = meta;
  if (!commit || !isCommitHash(commit)) {
    throw new FaceParseError(
      'HUB_HTTP',
      `${client.endpoint} answered for ${t.file} of ${describe(t)} without a valid X-Repo-Commit header ` +
        `(got ${commit === undefined ? 'none' : JSON.stringify(commit)}), so it does not look like a Hugging Face hub; ` +
        'check --endpoint / HF_ENDPOINT and any proxy in between',
    );
  }
  // A file asked for at a commit must come from that commit: a server that answers another (a mirror
  // that ignores commits and serves its branch head) would mix two commits in one model, and the
  // cache would file them under different snapshots.
  if (isCommitHash(t.revision) && commit.toLowerCase() !== t.revision.toLowerCase()) {
    throw new FaceParseError(
      'HUB_HTTP',
      `${client.endpoint} answered ${t.file} of ${t.id} from commit ${commit} when asked for commit ${t.revision}${t.asked ? ` (what ${t.asked} pointed to)` : ''}; ` +
        "it does not serve files by commit, so the model's files could come from two commits: nothing of it was kept; retry, or pass --revision with a commit it serves",
    );
  }
  if (!etag || !ETAG_SAFE.test(etag)) {
    throw new FaceParseError(
      'HUB_HTTP',
      `${client.endpoint} answered for ${t.file} of ${describe(t)} without a usable ETag/X-Linked-Etag header ` +
        `(got ${etag === undefined ? 'none' : JSON.stringify(etag)}), so the file cannot be cached; ` +
        'check --endpoint / HF_ENDPOINT and any proxy in between',
    );
  }
  return { commit, etag, size: meta.size };
}

async function withRetries<T>(client: HubClient, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
  for (let tryNo = 0; ; tryNo++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      if (tryNo >= client.retries || signal?.aborted) throw error.final;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, client.retryDelayMs * 2 ** tryNo);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
      signal?.throwIfAborted();
    }
  }
}

/** Deletes `<etag>.*.incomplete` files left by processes that died mid-download (untouched for an hour). */
async function removeStalePartials(blob: string): Promise<void> {
  const dir = dirname(blob);
  const prefix = `${basename(blob)}.`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !name.endsWith('.incomplete')) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_PARTIAL_MS) await unlink(join(dir, name)).catch(() => {});
  }
}

/** The emitter a download reports to: bytes so far, or the origin it is waiting for. */
type Emit = (loaded: number, total?: number, waitingFor?: string, cached?: boolean) => void;

/**
 * Streams the body into the blob store under the transfer limits, checks its size and its
 * checksum, and only then renames it to `blobs/<etag>`; returns the byte count. Leaves nothing
 * behind on failure.
 */
async function storeBlob(
  client: HubClient,
  t: Target,
  body: { res: Response; guard: GuardedRequest; url: string },
  blob: string,
  expectedSize: number | undefined,
  etag: string,
  onProgress: Emit,
  signal: AbortSignal | undefined,
): Promise<number> {
  const { res, guard, url } = body;
  await mkdir(dirname(blob), { recursive: true });
  await removeStalePartials(blob);
  const tmp = tempName(blob, '.incomplete');
  const kind = checksumKind(etag);
  if (!kind && expectedSize === undefined) {
    await res.body?.cancel().catch(() => {});
    throw new FaceParseError(
      'HUB_HTTP',
      `${client.endpoint} sent ${t.file} of ${describe(t)} with neither a size nor a checksum (ETag ${JSON.stringify(etag)} is no SHA-256 or git SHA-1), ` +
        'so a truncated or altered download could not be told from a good one and it is not cached; check --endpoint / HF_ENDPOINT and any proxy in between',
    );
  }
  const handle = await open(tmp, 'wx');
  let loaded = 0;
  let closed = false;
  try {
    onProgress(0, expectedSize);
    try {
      for await (const chunk of guard.body(res, maxBytesFor(t.file, client.limits))) {
        await handle.write(chunk);
        loaded += chunk.byteLength;
        onProgress(loaded, expectedSize);
      }
    } catch (error) {
      throw requestFailure(client, t, guard, url, error, signal, `the transfer broke off after ${loaded} bytes: ${networkDetail(error)}`);
    }
    if (expectedSize !== undefined && loaded !== expectedSize) {
      throw new RetryableError('size', unreachable(client, t, `received ${loaded} bytes where ${expectedSize} were announced`));
    }
    await handle.sync();
    await handle.close();
    closed = true;
    if (kind) {
      const digest = await fileDigest(tmp, kind);
      if (digest !== etag) {
        throw new RetryableError(
          'checksum',
          new FaceParseError(
            'HUB_HTTP',
            `${t.file} of ${describe(t)} from ${client.endpoint} arrived corrupted (${checksumName(kind)} ${digest}, expected ${etag}, ${loaded} bytes); ` +
              'it was not cached: retry the download, and check any proxy in between if it keeps happening',
          ),
        );
      }
    }
    await rename(tmp, blob);
    return loaded;
  } catch (error) {
    if (!closed) await handle.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    await res.body?.cancel().catch(() => {});
    throw error;
  }
}

/**
 * GETs the content at another origin (the CDN), without the token, following its own redirects
 * (the fetch standard drops `Authorization` on cross-origin hops anyway, and none is sent here).
 */
async function openContent(
  client: HubClient,
  t: Target,
  url: string,
  signal: AbortSignal | undefined,
): Promise<{ res: Response; guard: GuardedRequest; url: string }> {
  let res: Response;
  const guard = new GuardedRequest(client.limits, signal);
  try {
    res = await guard.fetch(client.fetch, url, {
      headers: { 'accept-encoding': 'identity', 'user-agent': USER_AGENT },
      redirect: 'follow',
    });
  } catch (error) {
    guard.dispose();
    throw requestFailure(client, t, guard, url, error, signal, `${new URL(url).origin}: ${networkDetail(error)}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    guard.dispose();
    const error = new FaceParseError(
      'HUB_HTTP',
      `the download server ${new URL(url).origin} that ${client.endpoint} redirected to answered HTTP ${res.status} ` +
        `for ${t.file} of ${describe(t)}; retry later, or work from the cache with HF_HUB_OFFLINE=1 if the model was pulled before`,
    );
    if (res.status >= 500 || res.status === 429 || res.status === 403) throw new RetryableError(`HTTP ${res.status}`, error);
    throw error;
  }
  return { res, guard, url };
}

function tooLarge(client: HubClient, t: Target, size: number): FaceParseError {
  const cap = maxBytesFor(t.file, client.limits);
  return new FaceParseError(
    'HUB_HTTP',
    `${t.file} of ${describe(t)} is ${size} bytes by what ${client.endpoint} announced, over the cap of ${cap} bytes for this file; ` +
      'nothing was downloaded. If the model is genuine, raise the hub option network.maxFileBytes',
  );
}

async function fetchOnce(client: HubClient, t: Target, onProgress: Emit, signal: AbortSignal | undefined): Promise<FetchedFile> {
  const repo = repoDir(client.cacheDir, t.id);
  onProgress(0, undefined, new URL(client.endpoint).origin);
  const opened = await openResolve(client, t, 'GET', signal);
  let body = { res: opened.res, guard: opened.guard, url: resolveUrl(client.endpoint, t.id, t.revision, t.file) };
  const { meta } = opened;
  try {
    const metadata = checkMetadata(client, t, meta);
    if (metadata.size !== undefined && metadata.size > maxBytesFor(t.file, client.limits)) throw tooLarge(client, t, metadata.size);
    const blob = blobPath(repo, metadata.etag);
    let size: number | undefined;
    let downloaded = false;
    if ((await fileSize(blob)) !== undefined) {
      // Reuse a cached blob only when it still is what its name says; else fetch it again.
      const check = await checkBlob(blob, metadata.etag, metadata.size);
      if (check.ok) size = check.size;
      else await unlink(blob).catch(() => {});
    }
    if (size !== undefined) {
      await body.res.body?.cancel().catch(() => {});
      onProgress(size, size, undefined, true);
    } else {
      if (opened.crossOrigin) {
        await body.res.body?.cancel().catch(() => {});
        body.guard.dispose();
        onProgress(0, metadata.size, new URL(opened.crossOrigin).origin);
        body = await openContent(client, t, opened.crossOrigin, signal);
        const length = body.res.headers.get('content-length');
        if (metadata.size === undefined && length !== null && Number.isFinite(Number(length))) metadata.size = Number(length);
        if (metadata.size !== undefined && metadata.size > maxBytesFor(t.file, client.limits)) throw tooLarge(client, t, metadata.size);
      }
      size = await storeBlob(client, t, body, blob, metadata.size, metadata.etag, onProgress, signal);
      downloaded = true;
    }
    const path = await linkSnapshot(repo, metadata.commit, t.file, metadata.etag);
    await writeRef(repo, t.revision, metadata.commit);
    return { path, commit: metadata.commit, etag: metadata.etag, size, downloaded };
  } catch (error) {
    await body.res.body?.cancel().catch(() => {});
    throw error;
  } finally {
    body.guard.dispose();
  }
}

type Listener = (event: DownloadProgress) => void;

interface Shared {
  promise: Promise<FetchedFile>;
  listeners: Set<Listener>;
  waiters: number;
  controller: AbortController;
}

const inflight = new Map<string, Shared>();

/**
 * Downloads `file` at `revision` into the cache (or links an already present blob) and returns
 * where it is. Concurrent calls for the same file share one download; each caller's signal only
 * withdraws that caller, and the download stops when every caller has withdrawn (the last one's
 * rejection waits until the partial file is deleted).
 */
export async function downloadToCache(
  client: HubClient,
  target: { id: string; revision: string; file: string; what?: string; asked?: string },
  options: { onProgress?: Listener; signal?: AbortSignal } = {},
): Promise<FetchedFile> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const key = [client.cacheDir, client.endpoint, target.id, target.revision, target.file].join('\0');
  let shared = inflight.get(key);
  if (!shared) {
    const controller = new AbortController();
    const listeners = new Set<Listener>();
    const emit: Emit = (loaded, total, waitingFor, cached) => {
      for (const listener of listeners) {
        try {
          listener({
            file: target.file,
            loaded,
            ...(total !== undefined ? { total } : {}),
            ...(waitingFor ? { waitingFor } : {}),
            ...(cached ? { cached } : {}),
          });
        } catch {
          // A failing progress callback must not break the download.
        }
      }
    };
    // Listeners are added below before the download starts (a microtask later), so the first
    // event (what it waits for) reaches the caller who started it.
    const created: Shared = {
      listeners,
      waiters: 0,
      controller,
      promise: Promise.resolve().then(() => withRetries(client, controller.signal, () => fetchOnce(client, target, emit, controller.signal))),
    };
    shared = created;
    inflight.set(key, created);
    created.promise.then(
      () => inflight.delete(key),
      () => inflight.delete(key),
    );
  }
  const current = shared;
  current.waiters++;
  if (onProgress) current.listeners.add(onProgress);
  let left = false;
  const leave = (): void => {
    if (left) return;
    left = true;
    if (onProgress) current.listeners.delete(onProgress);
    current.waiters--;
  };
  return new Promise<FetchedFile>((resolve, reject) => {
    const onAbort = (): void => {
      leave();
      if (current.waiters > 0) {
        reject(signal?.reason);
        return;
      }
      // The last caller out stops the transfer and waits for it to wind down (it deletes its partial file and
      // settles promptly once aborted), so nothing more is written to the cache after the rejection: a caller
      // may delete the cache folder at once.
      current.controller.abort(signal?.reason);
      const settled = (): void => reject(signal?.reason);
      current.promise.then(settled, settled);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    current.promise.then(
      (value) => {
        signal?.removeEventListener('abort', onAbort);
        leave();
        resolve(value);
      },
      (error: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        leave();
        reject(error);
      },
    );
  });
}

/**
 * Like downloadToCache for a file that may not exist (the external-data file): a 404 for the file
 * returns undefined and records `.no_exist/<commit>/<file>` so the next resolve asks no more.
 */
export async function downloadOptional(
  client: HubClient,
  target: { id: string; revision: string; file: string },
  knownCommit: string,
  options: { onProgress?: Listener; signal?: AbortSignal } = {},
): Promise<FetchedFile | undefined> {
  try {
    return await downloadToCache(client, target, options);
  } catch (error) {
    if (error instanceof FaceParseError && (error.code === 'MODEL_FILE_MISSING' || error.code === 'MODEL_NOT_FOUND')) {
      await markMissing(repoDir(client.cacheDir, target.id), knownCommit, target.file);
      return undefined;
    }
    throw error;
  }
}

/** HEAD a file: its metadata, or undefined when the hub says it does not exist. */
export async function headFile(
  client: HubClient,
  target: { id: string; revision: string; file: string },
  signal?: AbortSignal,
): Promise<FileMetadata | undefined> {
  try {
    return await withRetries(client, signal, async () => {
      const { res, guard, meta } = await openResolve(client, target, 'HEAD', signal);
      await res.body?.cancel().catch(() => {});
      guard.dispose();
      return checkMetadata(client, target, meta);
    });
  } catch (error) {
    if (error instanceof FaceParseError && error.code === 'MODEL_FILE_MISSING') return undefined;
    throw error;
  }
}
