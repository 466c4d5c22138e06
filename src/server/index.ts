/**
 * The HTTP service's entry in the library: `createServer` loads the server modules (Fastify and
 * its plugins) on its first call, so `import 'faceparse'` stays as light as before.
 */
import type { FaceParseServer } from './app.js';
import type { ServerOptions } from './options.js';

export type { FaceParseServer, ListenOptions, CloseOptions } from './app.js';
export type { ServerOptions } from './options.js';

/** A Fastify app over one FaceParser, ready to `listen()`; see src/server/app.ts. */
export async function createServer(options: ServerOptions = {}): Promise<FaceParseServer> {
  const app = await import('./app.js');
  return app.createServer(options);
}
