// The web app: `vite build web` writes a static folder (dist/app) that works from any static host
// and path (relative base); scripts/build-app.mjs copies the faceparse bundle (dist/web) into
// dist/app/faceparse/. In development, dist/web is served at /faceparse/ with COOP/COEP.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const bundle = resolve(import.meta.dirname, '..', 'dist', 'web');
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const types: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

function serveBundle(): Plugin {
  return {
    name: 'faceparse-bundle',
    configureServer(server) {
      server.middlewares.use('/faceparse/', (req, res, next) => {
        const file = join(bundle, decodeURIComponent((req.url ?? '/').split('?')[0]!));
        if (!file.startsWith(bundle) || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader('content-type', types[extname(file)] ?? 'application/octet-stream');
        for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
        createReadStream(file).pipe(res);
      });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [serveBundle()],
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { outDir: resolve(import.meta.dirname, '..', 'dist', 'app'), emptyOutDir: true, target: 'es2022' },
});
