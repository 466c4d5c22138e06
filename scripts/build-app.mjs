// Builds the web app (web/, Vite) into dist/app and copies the faceparse bundle (dist/web, from
// scripts/build-web.mjs) into dist/app/faceparse/, so dist/app is a static folder that runs from
// any host, and offline once loaded.
import { cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'web');
if (!existsSync(join(bundle, 'faceparse.js'))) throw new Error('dist/web/faceparse.js is missing: run npm run build:web first');
await build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'warn' });
await cp(bundle, join(root, 'dist', 'app', 'faceparse'), { recursive: true, filter: (src) => !src.endsWith('.map') });
console.log('dist/app: the web app, with faceparse/ beside it');
