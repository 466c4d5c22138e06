/**
 * The HTTP service: a Fastify app over one FaceParser, its routes, limits, metrics, keys and docs,
 * each in its own module; this file wires them in order (errors, headers and metrics hooks, CORS,
 * keys, OpenAPI, body parsers, routes) and owns starting and stopping.
 *
 *     const server = await createServer({ parser: { model: 'models/face-parsing-mini' } });
 *     const url = await server.listen({ host: '127.0.0.1', port: 8080 });
 *     ...
 *     await server.close(); // stops accepting, lets requests in flight finish, closes the model
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { SERVICE_MAX_INPUT_PIXELS } from '../options/parserOptions.js';
import { FaceParser } from '../node/faceParser.js';
import { registerApiKeys } from './auth.js';
import { registerDocsRoutes, registerOpenApi } from './docs.js';
import { registerErrorHandlers, sendError, toHttpError } from './errors.js';
import { trackConnections } from './connections.js';
import { ConcurrencyGate } from './gate.js';
import { registerImageBodies } from './imageBody.js';
import { ServerMetrics } from './metrics.js';
import { modelName } from './modelName.js';
import { packageVersion, resolveServerOptions, type ServerOptions } from './options.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerParseRoute } from './routes/parse.js';
import { applySecurityHeaders, registerSecurityHeaders } from './securityHeaders.js';
import { registerStaticApp } from './staticApp.js';

export interface ListenOptions {
  /** Default 127.0.0.1 (this machine only); 0.0.0.0 or :: for every interface. */
  host?: string;
  /** Default 8080; 0 picks a free port (see the URL returned). */
  port?: number;
}

export interface CloseOptions {
  /** How long requests in flight may take to finish before their connections are cut. Default: the request deadline (timeoutMs), which bounds each of them. */
  graceMs?: number;
}

export interface FaceParseServer {
  readonly app: FastifyInstance;
  readonly parser: FaceParser;
  readonly gate: ConcurrencyGate;
  readonly metrics: ServerMetrics;
  /** Starts listening; resolves to the base URL, e.g. http://127.0.0.1:8080. */
  listen(options?: ListenOptions): Promise<string>;
  /**
   * Stops accepting (readiness turns 503, new requests on open connections get 503), waits for the
   * requests in flight up to `graceMs`, then cuts what is left and closes the model (when the
   * server created it). `forced` says whether any request was cut.
   */
  close(options?: CloseOptions): Promise<{ forced: boolean }>;
}

/** An incoming X-Request-Id is kept when it is short and plain (it goes into the logs); otherwise a new UUID. */
function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(incoming) ? incoming : randomUUID();
}

export async function createServer(options: ServerOptions = {}): Promise<FaceParseServer> {
  const settings = resolveServerOptions(options);
  const ownsParser = options.faceParser === undefined;
  const parser = options.faceParser ?? (await FaceParser.create({ maxInputPixels: SERVICE_MAX_INPUT_PIXELS, ...options.parser }));
  try {
    return await build(parser, ownsParser, options, settings);
  } catch (error) {
    if (ownsParser) await parser.close();
    throw error;
  }
}

async function build(
  parser: FaceParser,
  ownsParser: boolean,
  options: ServerOptions,
  settings: ReturnType<typeof resolveServerOptions>,
): Promise<FaceParseServer> {
  const logger = pino({ level: settings.logLevel, timestamp: pino.stdTimeFunctions.isoTime }, options.logStream ?? pino.destination({ dest: 2, sync: true }));
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: requestId,
    bodyLimit: settings.maxBodyBytes,
    // Unknown query parameters are errors (400), not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // A slow upload cannot hold a connection past the deadline.
    requestTimeout: settings.timeoutMs + 1000,
    // Errors before routing (a malformed URL) answer in the same JSON shape as the rest.
    frameworkErrors: (error, _request, reply) => {
      applySecurityHeaders(reply); // the onSend hooks do not run before routing
      void sendError(reply, toHttpError(error, settings));
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const gate = new ConcurrencyGate({
    concurrency: settings.concurrency,
    maxQueue: settings.maxQueue,
    pixelBudget: settings.maxPixelsInFlight,
    deadlineMs: settings.timeoutMs,
  });
  const metrics = new ServerMetrics(gate, { model: modelName(parser), variant: parser.variant, labels: parser.labels });
  let stopping = false;

  registerErrorHandlers(app, settings);
  registerSecurityHeaders(app);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    // While stopping, each answer closes its connection, so keep-alive clients do not hold close() up.
    if (stopping) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
  });
  if (settings.corsOrigins) {
    await app.register(cors, {
      origin: settings.corsOrigins === '*' ? '*' : [...settings.corsOrigins],
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'accept', 'x-request-id'],
      exposedHeaders: ['retry-after', 'x-request-id', 'server-timing'],
      maxAge: 600,
    });
  }
  registerApiKeys(app, settings.apiKeys);
  await registerOpenApi(app, { version: packageVersion(), model: `${modelName(parser)} (${parser.variant})`, auth: settings.apiKeys.length > 0 });
  await registerImageBodies(app, settings.maxBodyBytes);

  registerOpsRoutes(app, { parser, gate, metrics, stopping: () => stopping });
  registerParseRoute(app, { parser, gate, metrics, timeoutMs: settings.timeoutMs, maxBodyBytes: settings.maxBodyBytes });
  registerDocsRoutes(app);
  registerStaticApp(app, settings.appDir);
  await app.ready();

  const connections = trackConnections(app.server);
  let closing: Promise<{ forced: boolean }> | undefined;
  return {
    app,
    parser,
    gate,
    metrics,
    async listen({ host = '127.0.0.1', port = 8080 } = {}) {
      await app.listen({ host, port });
      const address = app.server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${shown}:${address.port}`;
    },
    close({ graceMs = settings.timeoutMs } = {}) {
      closing ??= (async () => {
        stopping = true;
        let forced = false;
        const cut = setTimeout(() => {
          forced = true;
          app.log.warn({ graceMs }, 'grace period over: closing the connections of requests still in flight');
          app.server.closeAllConnections();
        }, graceMs);
        // Connections that turn idle during the stop (their answer sent) are closed as they do, not after their keep-alive.
        connections.closeIdle();
        const sweep = setInterval(() => connections.closeIdle(), 50);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
          clearInterval(sweep);
          if (ownsParser) await parser.close(); // waits for parses still running (those answered 504 included)
        }
        return { forced };
      })();
      return closing;
    },
  };
}
