/**
 * A known path asked with another method (`GET /v1/parse`) is a 405 with the `Allow` header that
 * clients and proxies expect (RFC 9110 15.5.5), not a 404 that reads as if the path did not exist.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** The methods `path` has routes for (wildcard routes such as the web app's `/*` do not count). */
export function allowedMethods(app: FastifyInstance, path: string): string[] {
  return METHODS.filter((method) => app.hasRoute({ method, url: path }));
}

/** The 405 for `method` on `path`, or undefined when `path` is no route of the app (then it is a 404). */
export function methodNotAllowed(app: FastifyInstance, method: string, path: string): HttpError | undefined {
  const allowed = allowedMethods(app, path);
  if (allowed.length === 0 || allowed.includes(method)) return undefined;
  const allow = allowed.join(', ');
  return new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}; use ${allow} (see /docs)`, { allow });
}
