/**
 * Prometheus metrics (prom-client) on a registry of the server's own, so two servers in one process
 * (tests, embedders) do not share counters: requests by route and status, total latency, the queue
 * wait and the parse split apart, parses in flight and requests queued, the model served, and
 * prom-client's process metrics (RSS, CPU, event-loop lag).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConcurrencyGate } from './gate.js';

/** Seconds: from a 512x512 face on a fast core to a large photo under load. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'faceparse_http_requests_total',
    help: 'HTTP requests answered, by route (the route pattern), method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'faceparse_http_request_duration_seconds',
    help: 'Time from request arrival to the end of the answer, by route',
    labelNames: ['route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly queueWaitSeconds = new Histogram({
    name: 'faceparse_queue_wait_seconds',
    help: 'Time a parse request waited for a parse slot (after its body was read)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly parseSeconds = new Histogram({
    name: 'faceparse_parse_duration_seconds',
    help: 'Time of FaceParser.parse (decode, preprocess, inference, postprocess) per request',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly encodeSeconds = new Histogram({
    name: 'faceparse_encode_duration_seconds',
    help: 'Time encoding the asked-for outputs (PNGs) per request',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'faceparse_rejected_total',
    help: 'Parse requests turned away before parsing, by reason (queue_full, queue_too_slow: the wait would outlast the deadline, timeout)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor(gate: ConcurrencyGate, model: { model: string; variant: string; labels: readonly string[] }) {
    new Gauge({
      name: 'faceparse_parses_in_flight',
      help: 'Parses running now',
      registers: [this.registry],
      collect() {
        this.set(gate.running);
      },
    });
    new Gauge({
      name: 'faceparse_requests_queued',
      help: 'Parse requests admitted and waiting for a slot (body arriving or queued)',
      registers: [this.registry],
      collect() {
        this.set(gate.queued);
      },
    });
    new Gauge({
      name: 'faceparse_pixels_in_flight',
      help: 'Pixels of the photos being parsed now (bounded by the pixel budget)',
      registers: [this.registry],
      collect() {
        this.set(gate.pixelsInFlight);
      },
    });
    new Gauge({ name: 'faceparse_pixel_budget', help: 'Pixels the running parses may hold together', registers: [this.registry] }).set(gate.pixelBudget);
    new Gauge({ name: 'faceparse_concurrency_limit', help: 'Parse slots', registers: [this.registry] }).set(gate.concurrency);
    new Gauge({ name: 'faceparse_queue_limit', help: 'Queue places', registers: [this.registry] }).set(gate.maxQueue);
    new Gauge({
      name: 'faceparse_model_info',
      help: 'The model served (value 1)',
      labelNames: ['model', 'variant', 'classes'] as const,
      registers: [this.registry],
    }).set({ model: model.model, variant: model.variant, classes: String(model.labels.length) }, 1);
    collectDefaultMetrics({ register: this.registry, prefix: 'faceparse_' });
  }
}
