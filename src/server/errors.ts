/**
 * Every failure the service answers becomes `{ "error": { "code", "message" } }` with its status:
 * the library's FaceParseError codes keep their names (INPUT_UNREADABLE -> 400, INPUT_TOO_LARGE ->
 * 413, ...), Fastify's and the multipart parser's errors are named by what the client should fix,
 * and anything else is a 500 whose details go to the log, not to the client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FaceParseError, type FaceParseErrorCode } from '../base/errors.js';
import { methodNotAllowed } from './methodNotAllowed.js';

export type ServiceErrorCode =
  | FaceParseErrorCode
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'QUEUE_FULL'
  | 'TIMEOUT'
  | 'SHUTTING_DOWN'
  | 'CLIENT_GONE'
  | 'INTERNAL';

/** An error the service answers as is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ServiceErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

const LIBRARY_STATUS: Partial<Record<FaceParseErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  INPUT_UNREADABLE: 400,
  INPUT_EMPTY: 400,
  INPUT_TOO_LARGE: 413,
  // The model ran but gave no usable result for this image: the request cannot be processed, the service is fine.
  MODEL_OUTPUT_INVALID: 422,
  // The model cannot run on this image (too small or too large for it): the request cannot be processed.
  MODEL_RUN_FAILED: 422,
  CLOSED: 503,
};

/** Fastify and @fastify/multipart codes, by what the client should do about them. */
const FRAMEWORK_CODES: Record<string, ServiceErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_PARTS_LIMIT: 'BODY_TOO_LARGE',
  FST_FILES_LIMIT: 'BODY_TOO_LARGE',
  FST_FIELDS_LIMIT: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'INVALID_ARGUMENT',
};

export const bodyTooLarge = (maxBodyBytes: number) =>
  `the request body is over the limit of ${maxBodyBytes.toLocaleString('en')} bytes; send a smaller image (or raise --max-body-mb)`;

export function toHttpError(error: unknown, limits: { maxBodyBytes: number }): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof FaceParseError) {
    const status = LIBRARY_STATUS[error.code] ?? 500;
    return new HttpError(
      status,
      status === 500 ? 'INTERNAL' : error.code,
      status === 500 ? 'the service failed to parse this image; see its log' : error.message,
    );
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = FRAMEWORK_CODES[fastifyError.code ?? ''] ?? (status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST');
    if (code === 'BODY_TOO_LARGE') {
      const parts = ['FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT'].includes(fastifyError.code ?? '');
      return new HttpError(
        413,
        code,
        parts ? 'the multipart body has too many parts; send one file field "image" (and at most 8 small fields)' : bodyTooLarge(limits.maxBodyBytes),
      );
    }
    if (code === 'INVALID_ARGUMENT' && fastifyError.validation) return new HttpError(400, code, validationMessage(fastifyError));
    return new HttpError(code === 'UNSUPPORTED_MEDIA_TYPE' ? 415 : status, code, fastifyError.message ?? 'bad request');
  }
  return new HttpError(500, 'INTERNAL', 'the service failed unexpectedly; see its log');
}

/** Ajv's errors as one sentence that names the parameter. */
function validationMessage(error: Partial<FastifyError>): string {
  const parts = (error.validation ?? []).map((v) => {
    const where = error.validationContext === 'querystring' ? 'query' : (error.validationContext ?? 'request');
    const field = v.instancePath.replace(/^\//, '');
    const params = v.params as { additionalProperty?: string; allowedValues?: unknown[] };
    if (params.additionalProperty) return `unknown ${where} parameter "${params.additionalProperty}"`;
    if (params.allowedValues) return `${where} parameter "${field}" must be one of ${params.allowedValues.join(', ')}`;
    if (v.keyword === 'pattern')
      return `${where} parameter "${field}" is not valid: ${field === 'alpha' ? 'give a decimal from 0 to 1, e.g. 0.5' : 'see /openapi.json'}`;
    return `${where} parameter "${field}" ${v.message ?? 'is invalid'}`;
  });
  return `${parts.join('; ') || 'invalid request'} (see /openapi.json)`;
}

export function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return reply.code(error.status).type('application/json; charset=utf-8').send(body);
}

/** The error and not-found handlers of the app. */
export function registerErrorHandlers(app: FastifyInstance, limits: { maxBodyBytes: number }): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (reply.raw.destroyed) {
      // The client is gone (whatever broke on the way): nobody to answer, nothing of ours failed.
      request.log.info({ code: 'CLIENT_GONE', err: (error as Error).message }, 'the client went away');
      return reply;
    }
    const http = toHttpError(error, limits);
    // Only our own failures are errors; bad input, shedding and deadlines are the service working as meant.
    if (http.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: http.code, status: http.status }, http.message);
    return sendError(reply, http);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    return sendError(reply, methodNotAllowed(app, request.method, path) ?? new HttpError(404, 'NOT_FOUND', `no route ${request.method} ${path}; see /docs`));
  });
}
