/**
 * Routes for the platform around the service: liveness (`/healthz`: the process answers),
 * readiness (`/readyz`: the model is loaded and the server is not stopping, so a load balancer
 * sends work) and Prometheus metrics (`/metrics`).
 */
import type { FastifyInstance } from 'fastify';
import type { FaceParser } from '../../pipeline/faceParser.js';
import { PUBLIC_ROUTE } from '../auth.js';
import { modelName } from '../modelName.js';
import { HttpError } from '../errors.js';
import type { ConcurrencyGate } from '../gate.js';
import type { ServerMetrics } from '../metrics.js';

export interface OpsContext {
  parser: FaceParser;
  gate: ConcurrencyGate;
  metrics: ServerMetrics;
  /** True once close() has begun. */
  stopping: () => boolean;
}

const STATUS_SCHEMA = { type: 'object', properties: { status: { type: 'string' } }, additionalProperties: true };

export function registerOpsRoutes(app: FastifyInstance, context: OpsContext): void {
  const { parser, gate, metrics, stopping } = context;
  app.get(
    '/healthz',
    { config: PUBLIC_ROUTE, schema: { summary: 'Liveness: the process answers', tags: ['ops'], security: [], response: { 200: STATUS_SCHEMA } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      config: PUBLIC_ROUTE,
      schema: {
        security: [],
        summary: 'Readiness: the model is loaded and the service takes requests (503 while stopping)',
        tags: ['ops'],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              model: { type: 'string' },
              variant: { type: 'string' },
              labels: { type: 'array', items: { type: 'string' } },
              concurrency: { type: 'integer' },
              maxQueue: { type: 'integer' },
              running: { type: 'integer' },
              queued: { type: 'integer' },
              pixelBudget: { type: 'number' },
              pixelsInFlight: { type: 'number' },
            },
          },
        },
      },
    },
    async () => {
      if (stopping()) throw new HttpError(503, 'SHUTTING_DOWN', 'the service is stopping; send requests to another instance');
      return {
        status: 'ready',
        model: modelName(parser),
        variant: parser.variant,
        labels: parser.labels,
        concurrency: gate.concurrency,
        maxQueue: gate.maxQueue,
        running: gate.running,
        queued: gate.queued,
        pixelBudget: gate.pixelBudget,
        pixelsInFlight: gate.pixelsInFlight,
      };
    },
  );
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'], produces: ['text/plain'] } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
