/**
 * Optional API keys: with keys configured, the parse API and /metrics need
 * `Authorization: Bearer <key>`; health probes, the docs and the web app stay open (probes and
 * browsers send no key). Keys are compared as SHA-256 digests with timingSafeEqual, so neither a
 * key's length nor its prefix shows in the answer time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/** Paths that need a key when keys are set. */
export function needsKey(path: string): boolean {
  return path.startsWith('/v1/') || path === '/metrics';
}

export function registerApiKeys(app: FastifyInstance, keys: readonly string[]): void {
  if (keys.length === 0) return;
  const digests = keys.map(digest);
  const accepts = (presented: string) => {
    const d = digest(presented);
    let ok = false;
    for (const k of digests) ok = timingSafeEqual(k, d) || ok; // every key compared, whichever matches
    return ok;
  };
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.method === 'OPTIONS' || !needsKey(request.url.split('?')[0]!)) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match || !accepts(match[1]!)) {
      throw new HttpError(401, 'UNAUTHORIZED', match ? 'the API key is not valid' : 'this service needs an API key: send Authorization: Bearer <key>', {
        'www-authenticate': 'Bearer realm="faceparse"',
      });
    }
  });
}
