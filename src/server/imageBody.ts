/**
 * The image of a parse request, as bytes: the body itself (`image/*` of a raster format the decoder
 * reads, or `application/octet-stream`) or the `image` field of a `multipart/form-data` body. Only
 * bytes are accepted, never a path or a URL, so a request can make the service read no local file
 * and fetch nothing (no SSRF). The media type is checked when the request arrives, before the body
 * is read; the bytes are checked by the decoder (a PNG header on garbage is a 400, not a crash).
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bodyTooLarge, HttpError } from './errors.js';

/** Raster formats the decoder reads (src/platform/node/decode.ts); SVG and other vector or document types are refused. */
export const IMAGE_TYPES = [
  'image/jpeg',
  'image/jpg',
  'image/pjpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/tiff',
  'image/avif',
  'image/heif',
  'image/heic',
  'image/bmp',
  'image/x-ms-bmp',
];
export const RAW_TYPES = [...IMAGE_TYPES, 'application/octet-stream'];
/**
 * Read as raw bytes too: no Content-Type (RFC 9110 8.3 lets a recipient assume application/octet-stream;
 * Python's `requests.post(url, data=bytes)` sends none) and `application/x-www-form-urlencoded`,
 * what `curl --data-binary @photo.jpg` sends unless told otherwise. The decoder still decides whether the bytes are an image.
 */
export const LENIENT_TYPES = ['', 'application/x-www-form-urlencoded'];
export const MULTIPART_TYPE = 'multipart/form-data';

const mediaType = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase();

const unsupported = (what: string) =>
  new HttpError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `${what}; send the image bytes as image/jpeg, image/png, image/webp, image/tiff, image/avif, image/gif, image/bmp or application/octet-stream, or multipart/form-data with a field "image"`,
  );

/** Checks the Content-Type of a parse request (an onRequest hook: nothing of the body is read yet). */
export function checkContentType(request: FastifyRequest): void {
  const type = mediaType(request.headers['content-type']);
  if (type !== MULTIPART_TYPE && !RAW_TYPES.includes(type) && !LENIENT_TYPES.includes(type)) throw unsupported(`Content-Type ${type} is not accepted`);
}

/** Body parsers for raw images (as one Buffer, up to the body limit) and multipart (streamed, limited). */
export async function registerImageBodies(app: FastifyInstance, maxBodyBytes: number): Promise<void> {
  const asBytes = (_request: FastifyRequest, body: Buffer | string, done: (error: Error | null, body?: unknown) => void) => done(null, body);
  app.addContentTypeParser([...RAW_TYPES, 'application/x-www-form-urlencoded'], { parseAs: 'buffer', bodyLimit: maxBodyBytes }, asBytes);
  // A body without Content-Type (Fastify hands it to the catch-all); other types were refused before their body was read.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, asBytes);
  await app.register(multipart, { limits: { fileSize: maxBodyBytes, files: 1, fields: 8, fieldSize: 1024, parts: 10, headerPairs: 100 } });
}

/** The image bytes of a parse request whose Content-Type passed checkContentType. */
export async function readImageBytes(request: FastifyRequest, maxBodyBytes: number): Promise<Buffer> {
  if (mediaType(request.headers['content-type']) !== MULTIPART_TYPE) {
    const body = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new HttpError(400, 'INPUT_EMPTY', 'the request body is empty; send the image bytes');
    return body;
  }
  let part;
  try {
    part = await request.file();
  } catch (error) {
    throw multipartError(error);
  }
  if (!part) throw new HttpError(400, 'BAD_REQUEST', 'the multipart body has no file; send the image in a field named "image"');
  if (part.fieldname !== 'image') {
    part.file.resume();
    throw new HttpError(400, 'BAD_REQUEST', `the multipart file field is "${part.fieldname}"; name it "image"`);
  }
  const partType = mediaType(part.mimetype);
  if (partType !== '' && !RAW_TYPES.includes(partType)) {
    part.file.resume();
    throw unsupported(`the "image" part is ${partType}`);
  }
  let bytes: Buffer;
  try {
    bytes = await part.toBuffer();
  } catch (error) {
    throw multipartError(error);
  }
  // toBuffer can end on the limit without throwing (the stream's last chunk came before the flag): check the flag too.
  if (part.file.truncated) throw new HttpError(413, 'BODY_TOO_LARGE', bodyTooLarge(maxBodyBytes));
  if (bytes.length === 0) throw new HttpError(400, 'INPUT_EMPTY', 'the "image" part is empty; send the image bytes');
  return bytes;
}

/** Limits keep their 413 (mapped in errors.ts); a malformed multipart body is the client's, a 400. */
function multipartError(error: unknown): unknown {
  const status = (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return error;
  return new HttpError(400, 'BAD_REQUEST', `the multipart body could not be read (${(error as Error).message}); send multipart/form-data with a field "image"`);
}
