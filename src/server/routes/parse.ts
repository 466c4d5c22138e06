/**
 * `POST /v1/parse`: the image in the body (raw or multipart), options in the query; the answer is
 * the label PNG itself (`Accept: image/png`, the same bytes as `faceparse parse` writes) or JSON
 * with the summary and the asked-for outputs as base64 of the same encoders' bytes (src/outputs).
 *
 * Bounded at every step: the gate place is claimed on arrival (503 + Retry-After when full, before
 * the body is read), the body and the pixel count have limits (413), the photo's pixels (from its
 * header) must fit the budget of the parses in flight, and one deadline covers the upload, the
 * queue wait and the parse (504). A parse that outlives its deadline keeps its slot
 * until it really ends, so the slots always match the work running.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { optionFromText } from '../../options/checkOption.js';
import { alphaOption, DEFAULT_ALPHA, scalesOption } from '../../options/parseOptions.js';
import { checkRegionsForModel, parseRegionSpecs, type RegionSpec } from '../../masks/regions.js';
import { encodeOutputs, type EncodedOutput, type EncodeOutputsOptions } from '../../outputs/encodeOutputs.js';
import { parseOutputKinds, type OutputKind } from '../../outputs/kinds.js';
import type { FaceParser } from '../../pipeline/faceParser.js';
import type { ParseOptions } from '../../pipeline/options.js';
import type { ParseResult } from '../../pipeline/result.js';
import { readImageSize } from '../../platform/node/imageSize.js';
import { AUGMENTED_PIXEL_WEIGHT, augmentationCost, checkAugmentation } from '../../pipeline/augmentation.js';
import { negotiateAnswer } from '../accept.js';
import { modelName } from '../modelName.js';
import { HttpError, sendError } from '../errors.js';
import { GateFullError, GateTimeoutError, type ConcurrencyGate, type GateTicket } from '../gate.js';
import { checkContentType, readImageBytes } from '../imageBody.js';
import type { ServerMetrics } from '../metrics.js';
import { ANSWER_OUTPUTS, errorAnswer, JSON_ANSWER_SCHEMA, PARSE_QUERY_SCHEMA, REQUEST_BODY_DOC, type ParseQuery } from './parseSchema.js';

export interface ParseRouteContext {
  parser: FaceParser;
  gate: ConcurrencyGate;
  metrics: ServerMetrics;
  timeoutMs: number;
  maxBodyBytes: number;
}

export function registerParseRoute(app: FastifyInstance, context: ParseRouteContext): void {
  const { parser, gate, metrics, timeoutMs, maxBodyBytes } = context;
  // The decoder's pixel limit, the parser's own: larger photos are refused by it before any decoding.
  const { maxInputPixels } = parser;
  const tickets = new WeakMap<FastifyRequest, { ticket: GateTicket; abort: AbortController; upload: NodeJS.Timeout | undefined }>();

  const admit = async (request: FastifyRequest, reply: FastifyReply) => {
    checkContentType(request);
    try {
      const held = { ticket: gate.enter(), abort: new AbortController(), upload: undefined as NodeJS.Timeout | undefined };
      tickets.set(request, held);
      // The body must arrive within the deadline: a trickling upload is answered (JSON) and cut then, not
      // left to Node's request timeout, so it holds its upload place no longer than a request may take.
      held.upload = setTimeout(() => {
        if (held.ticket.state !== 'receiving' || reply.sent) return;
        held.abort.abort(new HttpError(408, 'TIMEOUT', 'the request body did not arrive in time'));
        held.ticket.leave();
        void sendError(reply.header('connection', 'close'), uploadTimedOut(timeoutMs));
        reply.raw.once('finish', () => request.raw.destroy());
      }, timeoutMs);
      // 'close' comes after the answer, or before it when the client went away. A place not yet turned
      // into a running parse is given back then; a running parse gives its slot back when it ends.
      reply.raw.once('close', () => {
        clearTimeout(held.upload);
        if (!reply.raw.writableFinished) held.abort.abort(new HttpError(499, 'CLIENT_GONE', 'the client closed the connection before the answer'));
        if (held.ticket.state !== 'running') held.ticket.leave();
      });
    } catch (error) {
      throw shed(error);
    }
  };
  /** A full gate (on arrival, or once the body is read) as the 503 + Retry-After the client sees. */
  const shed = (error: unknown): unknown => {
    if (!(error instanceof GateFullError)) return error;
    metrics.rejected.inc({ reason: error.reason === 'full' ? 'queue_full' : 'queue_too_slow' });
    const why =
      error.reason === 'full'
        ? `every parse slot (${gate.concurrency}) and queue place (${gate.maxQueue}) is taken`
        : `the parses queued ahead would outlast the deadline of ${timeoutMs / 1000} s`;
    return new HttpError(503, 'QUEUE_FULL', `${why}; retry after ${error.retryAfterSeconds} s`, { 'retry-after': String(error.retryAfterSeconds) });
  };
  app.post<{ Querystring: ParseQuery }>(
    '/v1/parse',
    {
      schema: {
        summary: 'Label every pixel of a face photo',
        description:
          'Body: the image bytes (image/jpeg, png, webp, tiff, avif, gif or application/octet-stream) or multipart/form-data with a field "image". ' +
          'Accept: image/png answers the label PNG itself (pixel value = class id); otherwise JSON.',
        tags: ['parse'],
        querystring: PARSE_QUERY_SCHEMA,
        response: {
          200: {
            description: 'parsed',
            content: { 'application/json': { schema: JSON_ANSWER_SCHEMA }, 'image/png': { schema: { type: 'string', format: 'binary' } } },
          },
          400: errorAnswer('undecodable image or bad parameter'),
          401: errorAnswer('missing or wrong API key'),
          413: errorAnswer('body or pixel count over the limit'),
          415: errorAnswer('unsupported Content-Type'),
          503: errorAnswer('every parse slot and queue place is taken (see Retry-After), or the service is stopping'),
          504: errorAnswer('the deadline passed'),
        },
      },
      config: { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: REQUEST_BODY_DOC }, url }) },
      onRequest: admit,
    },
    async (request, reply) => {
      const held = tickets.get(request)!;
      if (reply.sent) return reply; // answered 408 while the body was arriving
      const query = request.query;
      const answer = negotiateAnswer(request.headers.accept);
      const asked = query.outputs === undefined ? undefined : parseOutputKinds(query.outputs, 'outputs', ANSWER_OUTPUTS);
      const regions = checkRegions(parser.labels, query);
      if (answer === 'png' && (asked?.some((k) => k !== 'labels') || regions.length)) {
        throw new HttpError(
          400,
          'INVALID_ARGUMENT',
          'Accept: image/png answers the label PNG only; ask for other outputs (and regions) with Accept: application/json',
        );
      }
      const kinds: OutputKind[] = answer === 'png' || asked === undefined ? ['labels'] : asked;
      if (regions.length && !kinds.includes('region')) kinds.push('region');
      const options: ParseOptions = {
        keepLogits: kinds.includes('confidence'),
        ...(query.labelSet === undefined ? {} : { labelSet: query.labelSet }),
        flip: query.flip === 'true' || query.flip === '1' || query.flip === '',
        ...(query.scales === undefined ? {} : { scales: optionFromText(scalesOption, query.scales, 'scales') }),
        ...(query.faces === undefined ? {} : { faces: query.faces }),
      };
      const image = await readImageBytes(request, maxBodyBytes);
      clearTimeout(held.upload);
      if (reply.sent) return reply;
      const size = await readImageSize(image);
      const pixels = size ? size.width * size.height : 0;
      // Augmentation is counted in the budgets: its passes' pixels (in photo-pixel terms) in the pixel
      // budget, its passes in the pace. Refused here, before any slot, when it is over maxModelPixels.
      let budget = { pixels: pixels > maxInputPixels ? 0 : pixels, cost: 1 };
      if (size && pixels <= maxInputPixels) {
        const inputSize = parser.inputSizeFor(size.width, size.height);
        checkAugmentation(inputSize, options.scales, options.flip, parser.maxModelPixels, !parser.preprocessor.doResize);
        const cost = augmentationCost(inputSize, options.scales, options.flip);
        budget = { pixels: pixels + AUGMENTED_PIXEL_WEIGHT * (cost.modelPixels - cost.plainPixels), cost: cost.modelPixels / cost.plainPixels };
      }

      const left = () => timeoutMs - reply.elapsedTime;
      const queuedAt = performance.now();
      try {
        await held.ticket.acquire(left(), held.abort.signal, budget);
      } catch (error) {
        if (error instanceof GateTimeoutError) {
          metrics.rejected.inc({ reason: 'timeout' });
          throw timedOut(timeoutMs, 'waiting for a parse slot');
        }
        throw shed(error);
      }
      const queueMs = performance.now() - queuedAt;
      metrics.queueWaitSeconds.observe(queueMs / 1000);

      const work = runParse(
        parser,
        image,
        options,
        kinds,
        {
          alpha: query.alpha === undefined ? DEFAULT_ALPHA : optionFromText(alphaOption, query.alpha, 'alpha'),
          regions,
          grow: query.grow,
          feather: query.feather,
        },
        metrics,
      ).finally(() => held.ticket.leave());
      const done = await withDeadline(work, left());
      if (!done) {
        metrics.rejected.inc({ reason: 'timeout' });
        throw timedOut(timeoutMs, 'parsing');
      }
      const { result, outputs, parseMs, encodeMs } = done;
      reply.header('server-timing', `queue;dur=${queueMs.toFixed(1)}, parse;dur=${parseMs.toFixed(1)}, encode;dur=${encodeMs.toFixed(1)}`);
      if (answer === 'png') return reply.type('image/png').send(Buffer.from(outputs[0]!.bytes));
      // The library's JSON of the result (the CLI's <stem>.json less the input name), whatever fields it grows
      // (the face stage adds its own), plus the service's timings and the outputs.
      const json = result.toJSON() as ReturnType<ParseResult['toJSON']> & { faces?: unknown };
      return reply.type('application/json; charset=utf-8').send({
        ...json,
        model: modelName(parser),
        faces: json.faces ?? null,
        timings: { queue: queueMs, ...json.timings, encode: encodeMs, total: reply.elapsedTime },
        outputs: outputsAsBase64(outputs),
      });
    },
  );
}

/**
 * The regions asked for, checked against the model (and the label set) before the body is read: a bad
 * region or label set is a 400 that names the valid ones. `outputs=region` without `region` is one too.
 */
function checkRegions(labels: readonly string[], query: ParseQuery): RegionSpec[] {
  const regions = parseRegionSpecs(query.region ?? [], 'region');
  checkRegionsForModel(labels, regions, query.labelSet, 'region');
  if (
    regions.length === 0 &&
    (query.outputs ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes('region')
  ) {
    throw new HttpError(
      400,
      'INVALID_ARGUMENT',
      'outputs=region needs at least one region parameter: a preset (face, hair, ...), a class, or name=class,class',
    );
  }
  if (regions.length === 0 && (query.grow !== undefined || query.feather !== undefined)) {
    throw new HttpError(400, 'INVALID_ARGUMENT', 'grow and feather shape region masks: add a region parameter (e.g. region=face)');
  }
  return regions;
}

async function runParse(parser: FaceParser, image: Buffer, options: ParseOptions, kinds: OutputKind[], encode: EncodeOutputsOptions, metrics: ServerMetrics) {
  const t0 = performance.now();
  const result = await parser.parse(image, options);
  const parseMs = performance.now() - t0;
  metrics.parseSeconds.observe(parseMs / 1000);
  const { outputs, encodeMs } = await encodeOutputs(result, kinds, encode);
  metrics.encodeSeconds.observe(encodeMs / 1000);
  return { result, outputs, parseMs, encodeMs };
}

/** The work's value, or undefined when `ms` pass first (the work goes on and gives its slot back when it ends). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function uploadTimedOut(timeoutMs: number): HttpError {
  return new HttpError(
    408,
    'TIMEOUT',
    `the request body did not arrive within the deadline of ${timeoutMs / 1000} s; send it faster or a smaller image, or raise --timeout`,
  );
}

function timedOut(timeoutMs: number, while_: string): HttpError {
  return new HttpError(
    504,
    'TIMEOUT',
    `the request took longer than its deadline of ${timeoutMs / 1000} s (${while_}); retry later, send a smaller image, or raise --timeout`,
  );
}

/**
 * JSON outputs by kind: a base64 PNG for a kind of one file (`labels`, `color`, ...), an object of
 * them for a kind of several (`masks` by class name; any later kind of several files, by its suffix).
 */
function outputsAsBase64(outputs: readonly EncodedOutput[]): Record<string, string | Record<string, string>> {
  const answer: Record<string, string | Record<string, string>> = {};
  const kinds = [...new Set(outputs.map((o) => o.kind))];
  for (const kind of kinds) {
    const files = outputs.filter((o) => o.kind === kind);
    const b64 = (o: EncodedOutput) => Buffer.from(o.bytes.buffer, o.bytes.byteOffset, o.bytes.length).toString('base64');
    if (files.length === 1 && files[0]!.suffix === `.${kind}.png`) {
      answer[kind] = b64(files[0]!);
      continue;
    }
    answer[kind] = Object.fromEntries(
      files.map((o) => [
        o.suffix
          .replace(/^\./, '')
          .replace(new RegExp(`^${kind}[/-]`), '')
          .replace(/\.png$/, ''),
        b64(o),
      ]),
    );
  }
  return answer;
}
