/**
 * Hub model ids: `owner/name` with an optional `@revision`.
 *
 * The id is joined onto the cache folder (`models--owner--name`) and the revision onto
 * `refs/<revision>`, so both are validated strictly: nothing here may climb out of the cache.
 */
import { FaceParseError } from '../base/errors.js';

export interface ModelId {
  /** `owner/name` */
  id: string;
  owner: string;
  name: string;
  /** The `@revision` part, when the source had one. */
  revision?: string;
}

export const DEFAULT_REVISION = 'main';

const ID_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const COMMIT_HASH = /^[0-9a-f]{40}$/;

const ID_SHAPE =
  'expected owner/name or owner/name@revision, e.g. jonathandinu/face-parsing or jonathandinu/face-parsing@main ' +
  '(owner and name: letters, digits, ".", "_", "-", starting with a letter or digit, at most 96 characters, no ".." or "--")';

function invalidId(source: string, why: string): FaceParseError {
  return new FaceParseError('INVALID_ARGUMENT', `invalid model id "${source}": ${why}; ${ID_SHAPE}`);
}

/**
 * Why a part of an id is invalid, or undefined when it is valid.
 * `--` is refused anywhere (not only at the ends): the cache folder name uses it as the
 * separator (`models--owner--name`), and the Hub refuses it too.
 */
function idPartProblem(part: string): string | undefined {
  if (part === '') return 'an empty owner or name';
  if (!ID_PART.test(part)) return `"${part}" has characters other than letters, digits, ".", "_", "-" or is too long`;
  if (part.includes('..')) return `"${part}" contains ".."`;
  if (part.includes('--')) return `"${part}" contains "--"`;
  if (/[.-]$/.test(part)) return `"${part}" ends with "${part.at(-1)}"`;
  return undefined;
}

/** Throws INVALID_ARGUMENT unless `revision` is a safe branch, tag, `refs/pr/N` or commit hash. */
export function validateRevision(revision: string, source = revision): string {
  const segments = revision.split('/');
  if (revision.length > 255 || !REVISION.test(revision) || segments.some((s) => s === '' || s === '.' || s === '..') || revision.endsWith('.lock')) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `invalid revision "${revision}" in "${source}": expected a branch, tag or commit hash ` +
        '(letters, digits, ".", "_", "-", "/" between non-empty segments, no ".." segments), e.g. main, v1.0 or refs/pr/1',
    );
  }
  return revision;
}

/** Parses and validates `owner/name[@revision]`; throws INVALID_ARGUMENT showing the expected shape. */
export function parseModelId(source: string): ModelId {
  if (typeof source !== 'string' || source.trim() === '') throw invalidId(String(source), 'it is empty');
  const at = source.indexOf('@');
  const idPart = at === -1 ? source : source.slice(0, at);
  const revision = at === -1 ? undefined : source.slice(at + 1);
  const parts = idPart.split('/');
  if (parts.length !== 2) {
    throw invalidId(source, parts.length < 2 ? 'it has no "/" between owner and name' : 'it has more than one "/"');
  }
  for (const part of parts) {
    const problem = idPartProblem(part);
    if (problem) throw invalidId(source, problem);
  }
  if (revision !== undefined) {
    if (revision === '') throw invalidId(source, 'nothing follows "@"');
    validateRevision(revision, source);
  }
  const [owner, name] = parts as [string, string];
  return { id: `${owner}/${name}`, owner, name, ...(revision !== undefined ? { revision } : {}) };
}

/** True when `source` is shaped like a hub id (it may still be a local folder of that name). */
export function looksLikeModelId(source: string): boolean {
  try {
    parseModelId(source);
    return true;
  } catch {
    return false;
  }
}

/** A full 40-character commit hash, which names a snapshot folder directly. */
export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

/** `owner/name` -> `models--owner--name`, the folder name `huggingface_hub` uses. */
export function repoFolderName(id: string): string {
  return `models--${id.split('/').join('--')}`;
}

/** `models--owner--name` -> `owner/name`, or undefined for other folders. */
export function idFromRepoFolder(folder: string): string | undefined {
  if (!folder.startsWith('models--')) return undefined;
  const parts = folder.slice('models--'.length).split('--');
  if (parts.length !== 2) return undefined;
  const id = parts.join('/');
  return looksLikeModelId(id) ? id : undefined;
}
