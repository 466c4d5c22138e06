import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCacheDir, envFlag, resolveCacheDir, resolveEndpoint, resolveOffline, resolveToken } from '../../src/hub/config.js';

describe('hub settings from options and environment', () => {
  it('cache dir: HF_HUB_CACHE, else $HF_HOME/hub, else XDG, else ~/.cache/huggingface/hub; the option wins', () => {
    expect(defaultCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' })).toBe('/c');
    expect(defaultCacheDir({ HUGGINGFACE_HUB_CACHE: '/old' })).toBe('/old');
    expect(defaultCacheDir({ HF_HOME: '/h' })).toBe('/h/hub');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
    expect(defaultCacheDir({ HF_HUB_CACHE: '', HF_HOME: '/h' })).toBe('/h/hub');
    expect(resolveCacheDir('/opt', { HF_HUB_CACHE: '/c' })).toBe('/opt');
    expect(resolveCacheDir('~/m', {})).toBe(join(homedir(), 'm'));
  });

  it('endpoint: option, else HF_ENDPOINT, else huggingface.co, without a trailing slash; bad URLs are refused', () => {
    expect(resolveEndpoint(undefined, {})).toBe('https://huggingface.co');
    expect(resolveEndpoint(undefined, { HF_ENDPOINT: 'https://hf-mirror.com/' })).toBe('https://hf-mirror.com');
    expect(resolveEndpoint('http://127.0.0.1:9/x/', { HF_ENDPOINT: 'https://m' })).toBe('http://127.0.0.1:9/x');
    expect(() => resolveEndpoint('not a url', {})).toThrow(/invalid hub endpoint.*--endpoint or HF_ENDPOINT/);
    expect(() => resolveEndpoint('ftp://x', {})).toThrow(/only http and https/);
  });

  it('token: option, else HF_TOKEN, else the token file under HF_HOME; empty option sends none', () => {
    const home = mkdtempSync(join(tmpdir(), 'fp-home-'));
    expect(resolveToken(undefined, { HF_HOME: home })).toBeUndefined();
    writeFileSync(join(home, 'token'), 'hf_fromfile\n');
    expect(resolveToken(undefined, { HF_HOME: home })).toBe('hf_fromfile');
    expect(resolveToken(undefined, { HF_HOME: home, HF_TOKEN: 'hf_env' })).toBe('hf_env');
    expect(resolveToken('hf_opt', { HF_HOME: home, HF_TOKEN: 'hf_env' })).toBe('hf_opt');
    expect(resolveToken('', { HF_HOME: home, HF_TOKEN: 'hf_env' })).toBeUndefined();
    const other = join(home, 'elsewhere');
    writeFileSync(other, 'hf_path');
    expect(resolveToken(undefined, { HF_HOME: home, HF_TOKEN_PATH: other })).toBe('hf_path');
  });

  it('offline: option, else HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE with huggingface_hub truthiness', () => {
    expect(resolveOffline(undefined, {})).toBe(false);
    expect(resolveOffline(undefined, { HF_HUB_OFFLINE: '1' })).toBe(true);
    expect(resolveOffline(undefined, { HF_HUB_OFFLINE: 'true' })).toBe(true);
    expect(resolveOffline(undefined, { HF_HUB_OFFLINE: '0' })).toBe(false);
    expect(resolveOffline(undefined, { TRANSFORMERS_OFFLINE: 'YES' })).toBe(true);
    expect(resolveOffline(false, { HF_HUB_OFFLINE: '1' })).toBe(false);
    expect(resolveOffline(true, {})).toBe(true);
    expect(envFlag('on')).toBe(true);
    expect(envFlag('')).toBe(false);
  });
});
