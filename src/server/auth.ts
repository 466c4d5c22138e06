/**
 * Optional API keys: with keys configured, every route needs `Authorization: Bearer <key>` or
 * `X-API-Key: <key>` except those registered as public (`config: PUBLIC_ROUTE`: health probes, the
 * docs and the web app, which probes and browsers reach without a key). The check runs on the
 * route the router matched (request.routeOptions), after routing, never on the raw URL: whatever
 * spelling reached a handler (percent-encoding, an absolute-form request line, a fragment, dot
 * segments) is the spelling the guard judged, and a route nobody marked public (a new one, the
 * not-found handler) is guarded by default. Keys are compared as SHA-256 digests with
 * timingSafeEqual, so neither a key's length nor its prefix shows in the answer time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/** Route config of the routes open without a key. */
export const PUBLIC_ROUTE = { public: true } as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open without an API key (src/server/auth.ts); routes without it need one when keys are set. */
    public?: boolean;
  }
}

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/** Whether the route this request was routed to is open without a key. */
function isPublic(request: FastifyRequest): boolean {
  if (request.is404) return false;
  return request.routeOptions.config.public === true;
}

/** The key the request presents (Bearer or X-API-Key), '' for a header of another scheme, undefined for none. */
function presentedKeys(request: FastifyRequest): string[] | undefined {
  const keys: string[] = [];
  const authorization = request.headers.authorization;
  if (authorization !== undefined) keys.push(/^Bearer[ ]+(\S+)\s*$/i.exec(authorization)?.[1] ?? '');
  const header = request.headers['x-api-key'];
  if (header !== undefined) keys.push(...(Array.isArray(header) ? header : [header]).map((k) => k.trim()));
  return keys.length === 0 ? undefined : keys;
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
    if (isPublic(request)) return;
    const presented = presentedKeys(request);
    // Every key presented must be valid: a wrong X-API-Key beside a right Bearer is a mistake to report, not to guess past.
    if (!presented?.every((k) => k !== '' && accepts(k))) {
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        presented ? 'the API key is not valid' : 'this service needs an API key: send Authorization: Bearer <key> or X-API-Key: <key>',
        {
          'www-authenticate': 'Bearer realm="faceparse"',
        },
      );
    }
  });
}
