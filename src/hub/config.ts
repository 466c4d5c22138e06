/**
 * Settings shared with Python's `huggingface_hub`, read the same way it reads them, so one
 * cache, one token and one offline switch serve both.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { FaceParseError } from '../base/errors.js';
import { expandHome } from '../platform/node/files.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: Env = process.env): string {
  const home = nonEmpty(env.HF_HOME);
  if (home) return resolve(expandHome(home));
  const xdg = nonEmpty(env.XDG_CACHE_HOME);
  return resolve(xdg ? join(expandHome(xdg), 'huggingface') : join(homedir(), '.cache', 'huggingface'));
}

/**
 * The hub cache folder: `HF_HUB_CACHE` (or its old name `HUGGINGFACE_HUB_CACHE`), else `$HF_HOME/hub`,
 * else `~/.cache/huggingface/hub`.
 */
export function defaultCacheDir(env: Env = process.env): string {
  const direct = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE);
  return direct ? resolve(expandHome(direct)) : join(hfHome(env), 'hub');
}

export function resolveCacheDir(cacheDir: string | undefined, env: Env = process.env): string {
  return nonEmpty(cacheDir) ? resolve(expandHome(cacheDir!)) : defaultCacheDir(env);
}

/** Endpoint: the option, else `HF_ENDPOINT`, else https://huggingface.co; no trailing slash. */
export function resolveEndpoint(endpoint: string | undefined, env: Env = process.env): string {
  const raw = nonEmpty(endpoint) ?? nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `invalid hub endpoint "${raw}": expected an http(s) URL such as ${DEFAULT_ENDPOINT}; fix --endpoint or HF_ENDPOINT`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new FaceParseError('INVALID_ARGUMENT', `invalid hub endpoint "${raw}": only http and https are supported; fix --endpoint or HF_ENDPOINT`);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * Token: the option, else `HF_TOKEN` (or the old `HUGGING_FACE_HUB_TOKEN`), else the file
 * `HF_TOKEN_PATH` / `$HF_HOME/token` that `huggingface-cli login` writes. Undefined when none.
 * An explicit empty-string option means "send no token".
 */
export function resolveToken(token: string | undefined, env: Env = process.env): string | undefined {
  if (token !== undefined) return nonEmpty(token)?.trim();
  const fromEnv = nonEmpty(env.HF_TOKEN) ?? nonEmpty(env.HUGGING_FACE_HUB_TOKEN);
  if (fromEnv) return fromEnv.trim();
  const path = nonEmpty(env.HF_TOKEN_PATH) ? resolve(expandHome(env.HF_TOKEN_PATH!)) : join(hfHome(env), 'token');
  try {
    return nonEmpty(readFileSync(path, 'utf8'))?.trim();
  } catch {
    return undefined;
  }
}

/** `huggingface_hub`'s truthiness for environment switches. */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.trim().toUpperCase());
}

/** Offline: the option, else `HF_HUB_OFFLINE` or `TRANSFORMERS_OFFLINE`. */
export function resolveOffline(offline: boolean | undefined, env: Env = process.env): boolean {
  if (offline !== undefined) return offline;
  return envFlag(env.HF_HUB_OFFLINE) || envFlag(env.TRANSFORMERS_OFFLINE);
}

/** Which switch made us offline, for messages. */
export function offlineReason(offline: boolean | undefined, env: Env = process.env): string {
  if (offline) return 'offline mode is on (offline option)';
  if (envFlag(env.HF_HUB_OFFLINE)) return `offline (HF_HUB_OFFLINE=${env.HF_HUB_OFFLINE})`;
  if (envFlag(env.TRANSFORMERS_OFFLINE)) return `offline (TRANSFORMERS_OFFLINE=${env.TRANSFORMERS_OFFLINE})`;
  return 'offline';
}
