/**
 * Security headers on every answer. API answers get the strictest set (nothing may be framed,
 * sniffed, run or cached); the docs page and the web app set their own Content-Security-Policy
 * and the cross-origin isolation that the web app's threaded WebAssembly needs.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

const ALWAYS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** For JSON and PNG answers: nothing in them may load or run anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Sets the headers a route did not set itself. */
export function applySecurityHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(ALWAYS)) if (!reply.hasHeader(name)) reply.header(name, value);
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', API_CSP);
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    applySecurityHeaders(reply);
    return payload;
  });
}
