/**
 * The web app (the browser build's static folder, dist/app by default) at `/`. Only regular files
 * inside the folder are served: no `..`, no dotfiles, no symlinks out of it. The folder is looked
 * up on each request, so a build made after the server started is served, and a missing folder is
 * a 404 JSON that says how to build it. Answers carry the cross-origin isolation the app's threaded
 * WebAssembly needs.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PUBLIC_ROUTE } from './auth.js';
import { HttpError } from './errors.js';
import { methodNotAllowed } from './methodNotAllowed.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

const APP_HEADERS: Record<string, string> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' https:; frame-ancestors 'none'",
  'cache-control': 'no-cache',
};

/** The file a URL path names inside `root`, or undefined when it is outside, hidden or absent. */
export async function appFile(root: string, urlPath: string): Promise<string | undefined> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.split('/').some((part) => part.startsWith('.'))) return undefined;
  const realRoot = await realpath(root).catch(() => undefined);
  if (!realRoot) return undefined;
  let file = resolve(realRoot, '.' + (path.endsWith('/') ? path + 'index.html' : path));
  try {
    file = await realpath(file);
    if ((await stat(file)).isDirectory()) file = await realpath(join(file, 'index.html'));
    if (!file.startsWith(realRoot + sep) || !(await stat(file)).isFile()) return undefined;
    return file;
  } catch {
    return undefined;
  }
}

export function registerStaticApp(app: FastifyInstance, appDir: string): void {
  const serve = async (urlPath: string, reply: FastifyReply, method = 'GET') => {
    const file = await appFile(appDir, urlPath);
    if (!file) {
      // GET of an API path (GET /v1/parse) lands here, under the app's GET /*: it is a 405.
      const wrongMethod = methodNotAllowed(app, method, urlPath);
      if (wrongMethod) throw wrongMethod;
      const present = await stat(join(appDir, 'index.html')).then(
        () => true,
        () => false,
      );
      throw new HttpError(
        404,
        'NOT_FOUND',
        present
          ? `no file ${urlPath} in the web app; the API is under /v1 (see /docs)`
          : `the web app is not built: no ${join(appDir, 'index.html')}; build it (npm run build writes dist/app) or pass --app-dir; the API is under /v1 (see /docs)`,
      );
    }
    for (const [name, value] of Object.entries(APP_HEADERS)) reply.header(name, value);
    return reply.type(TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream').send(createReadStream(file));
  };
  const hidden = { config: PUBLIC_ROUTE, schema: { hide: true } };
  app.get(
    '/',
    { config: PUBLIC_ROUTE, schema: { security: [], summary: 'The web app (the static folder of the browser build), when it is there', tags: ['app'] } },
    (_request, reply) => serve('/', reply),
  );
  app.get('/*', hidden, (request, reply) => serve(request.url.split('?')[0]!, reply, request.method));
}
