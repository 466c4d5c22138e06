/**
 * The service on a loopback port with the tiny model: every route, every status the API promises,
 * the limits (body, pixels), the outputs against the library's own encoders, and that it keeps
 * serving after each bad request.
 */
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceParser } from '../../src/node/faceParser.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { bodyOf, postImage, startServer, testPng, TINY_MODEL, type ErrorAnswer, type TestServer } from './helpers.js';

const MB = 1024 * 1024;
const THREE_FACES = resolve('..', 'shared', 'data', 'photos', 'pakutaso-graduation-three-faces.jpg');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface JsonAnswer {
  model: string;
  width: number;
  height: number;
  labels: string[];
  classes: Array<{ id: number; label: string; pixels: number; share: number; bbox: unknown }>;
  faces: unknown;
  timings: Record<string, number>;
  outputs: Record<string, string | Record<string, string>>;
}

/** A PNG whose header claims `width` x `height` with a few bytes of data: the smallest decompression bomb. */
function pngHeaderBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(width + 1))), chunk('IEND', Buffer.alloc(0))]);
}

const b64png = (value: string | Record<string, string> | undefined) => Buffer.from(value as string, 'base64');

describe('faceparse service: routes, statuses and limits', () => {
  let t: TestServer;
  let reference: FaceParser;
  let photo: Buffer;
  const tmp = mkdtempSync(join(tmpdir(), 'faceparse-serve-'));

  beforeAll(async () => {
    t = await startServer({ concurrency: 2, maxQueue: 8, appDir: join(tmp, 'no-app') });
    reference = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
    photo = await testPng(96, 64);
  });
  afterAll(async () => {
    await t?.close();
    await reference?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const expectError = async (response: Response, status: number, code: string, message?: RegExp) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as ErrorAnswer;
    expect(body.error.code).toBe(code);
    if (message) expect(body.error.message).toMatch(message);
    return body;
  };
  const stillServing = async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await postImage(t.url, photo)).status).toBe(200);
  };

  it('GET /healthz and /readyz answer 200', async () => {
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; model: string; labels: string[]; concurrency: number };
    // The model folder's name, not its absolute path (which would show the server's disk layout).
    expect(body).toMatchObject({ status: 'ready', model: 'tiny-segformer', concurrency: 2, maxQueue: 8 });
    expect(JSON.stringify(body)).not.toContain(TINY_MODEL);
    expect(body.labels).toEqual(reference.labels);
  });

  it('POST /v1/parse (raw PNG) answers JSON whose outputs are the library encoders’ bytes', async () => {
    const response = await postImage(t.url, photo, { query: 'outputs=labels,color,overlay,masks,confidence' });
    expect(response.status).toBe(200);
    expect(response.headers.get('server-timing')).toMatch(/queue;dur=[\d.]+, parse;dur=[\d.]+, encode;dur=[\d.]+/);
    const body = (await response.json()) as JsonAnswer;
    expect(body).toMatchObject({ width: 96, height: 64, labels: [...reference.labels], model: 'tiny-segformer' });
    expect(JSON.stringify(body)).not.toContain(TINY_MODEL);
    expect(body.classes.reduce((s, c) => s + c.pixels, 0)).toBe(96 * 64);
    for (const k of ['queue', 'decode', 'preprocess', 'inference', 'postprocess', 'encode', 'total']) expect(typeof body.timings[k]).toBe('number');
    const expected = await reference.parse(photo);
    // The library's JSON of the result, field for field (timings are the service's own; the model by name, not path).
    const { timings: _ours, outputs: _outputs, faces: _faces, ...rest } = body as unknown as Record<string, unknown>;
    const { timings: _theirs, faces: libraryFaces, ...library } = expected.toJSON() as unknown as Record<string, unknown>;
    expect(rest).toEqual({ ...library, model: 'tiny-segformer' });
    expect(body.faces).toEqual(libraryFaces ?? null);
    expect(b64png(body.outputs.labels).equals(await expected.toLabelPng())).toBe(true);
    expect(b64png(body.outputs.confidence).equals(await expected.toConfidencePng())).toBe(true);
    expect(b64png(body.outputs.color).equals(await expected.toColorPng())).toBe(true);
    expect(b64png(body.outputs.overlay).equals(await expected.toOverlay({ alpha: 0.5 }))).toBe(true);
    const masks = body.outputs.masks as Record<string, string>;
    const present = expected
      .summary()
      .classes.filter((c) => c.pixels > 0)
      .map((c) => c.label);
    expect(Object.keys(masks).sort()).toEqual([...present].sort());
    for (const png of Object.values(masks)) expect(b64png(png).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  it('JSON answers carry only the labels by default; alpha changes the overlay', async () => {
    const plain = (await (await postImage(t.url, photo)).json()) as JsonAnswer;
    expect(Object.keys(plain.outputs)).toEqual(['labels']);
    const faint = (await (await postImage(t.url, photo, { query: 'outputs=overlay&alpha=0.2' })).json()) as JsonAnswer;
    const expected = await reference.parse(photo);
    expect(b64png(faint.outputs.overlay).equals(await expected.toOverlay({ alpha: 0.2 }))).toBe(true);
  });

  it('Accept: image/png answers the label PNG itself (a golden JPEG, and with flip and scales)', async () => {
    const { readFile } = await import('node:fs/promises');
    const jpeg = await readFile(join(GOLDEN_DIR, 'images/jpeg_q90.jpg'));
    const response = await postImage(t.url, jpeg, { type: 'image/jpeg', accept: 'image/png' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.equals(await (await reference.parse(jpeg)).toLabelPng())).toBe(true);

    const expected = await (await reference.parse(jpeg, { flip: true, scales: [0.5, 1] })).toLabelPng();
    for (const flip of ['flip=true', 'flip=1', 'flip']) {
      const tta = await postImage(t.url, jpeg, { type: 'image/jpeg', accept: 'image/png', query: `${flip}&scales=0.5,1` });
      expect(tta.status).toBe(200);
      expect(Buffer.from(await tta.arrayBuffer()).equals(expected), flip).toBe(true);
    }
    const plain = await postImage(t.url, jpeg, { type: 'image/jpeg', accept: 'image/png', query: 'flip=false' });
    expect(Buffer.from(await plain.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('Accept negotiation: */* and application/json give JSON, image/* gives the PNG', async () => {
    expect((await postImage(t.url, photo, { accept: '*/*' })).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await postImage(t.url, photo, { accept: 'application/json, image/png;q=0.5' })).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await postImage(t.url, photo, { accept: 'image/*' })).headers.get('content-type')).toBe('image/png');
  });

  it('multipart/form-data with a field "image", and application/octet-stream, give the same labels', async () => {
    const expected = await (await reference.parse(photo)).toLabelPng();
    const form = new FormData();
    form.append('note', 'fields before the file are fine');
    form.append('image', new Blob([bodyOf(photo)], { type: 'image/png' }), 'photo.png');
    const multipart = await fetch(`${t.url}/v1/parse`, { method: 'POST', body: form, headers: { accept: 'image/png' } });
    expect(multipart.status).toBe(200);
    expect(Buffer.from(await multipart.arrayBuffer()).equals(expected)).toBe(true);
    const octets = await postImage(t.url, photo, { type: 'application/octet-stream', accept: 'image/png' });
    expect(octets.status).toBe(200);
    expect(Buffer.from(await octets.arrayBuffer()).equals(expected)).toBe(true);
  });

  it('bad multipart bodies are 400 or 415, never 500', async () => {
    const wrongField = new FormData();
    wrongField.append('photo', new Blob([bodyOf(photo)], { type: 'image/png' }), 'photo.png');
    await expectError(await fetch(`${t.url}/v1/parse`, { method: 'POST', body: wrongField }), 400, 'BAD_REQUEST', /name it "image"/);
    const noFile = new FormData();
    noFile.append('image', 'just text');
    await expectError(await fetch(`${t.url}/v1/parse`, { method: 'POST', body: noFile }), 400, 'BAD_REQUEST', /no file/);
    const textPart = new FormData();
    textPart.append('image', new Blob(['hello'], { type: 'text/plain' }), 'notes.txt');
    await expectError(await fetch(`${t.url}/v1/parse`, { method: 'POST', body: textPart }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const crowded = new FormData();
    for (let i = 0; i < 20; i++) crowded.append(`field${i}`, 'v');
    crowded.append('image', new Blob([bodyOf(photo)], { type: 'image/png' }), 'photo.png');
    await expectError(await fetch(`${t.url}/v1/parse`, { method: 'POST', body: crowded }), 413, 'BODY_TOO_LARGE', /too many parts/);
    const broken = await postImage(t.url, Buffer.from('--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n\x89PNG truncated'), {
      type: 'multipart/form-data; boundary=xyz',
    });
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
    await stillServing();
  });

  it('undecodable bodies are 400 with the decoder’s code; a path in the body is bytes, never a file read', async () => {
    await expectError(await postImage(t.url, Buffer.from('garbage, not a PNG')), 400, 'INPUT_UNREADABLE', /not an image/);
    await expectError(await postImage(t.url, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))), 400, 'INPUT_UNREADABLE');
    await expectError(await postImage(t.url, PNG_SIGNATURE), 400, 'INPUT_UNREADABLE');
    await expectError(await postImage(t.url, photo.subarray(0, photo.length / 2)), 400, 'INPUT_UNREADABLE');
    await expectError(await postImage(t.url, new Uint8Array(0)), 400, 'INPUT_EMPTY');
    const path = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
    await expectError(await postImage(t.url, Buffer.from(path), { type: 'application/octet-stream' }), 400, 'INPUT_UNREADABLE', /buffer of \d+ bytes/);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>');
    await expectError(await postImage(t.url, svg, { type: 'application/octet-stream' }), 400, 'INPUT_UNREADABLE', /not a raster photo/);
    await stillServing();
  });

  it('unsupported media types are 415, checked before the body is read', async () => {
    for (const type of ['text/plain', 'application/json', 'image/svg+xml', 'image/x-icon', 'text/html; charset=utf-8', 'multipart/mixed; boundary=x']) {
      await expectError(await postImage(t.url, photo, { type }), 415, 'UNSUPPORTED_MEDIA_TYPE', /Content-Type/);
    }
    await stillServing();
  });

  it('a body with no Content-Type, or curl’s default form type, is read as the image bytes', async () => {
    const expected = await (await reference.parse(photo)).toLabelPng();
    for (const type of ['', 'application/x-www-form-urlencoded']) {
      const response = await postImage(t.url, photo, { type, accept: 'image/png' });
      expect(response.status, type || '(none)').toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(expected)).toBe(true);
      await expectError(await postImage(t.url, Buffer.from('a=1&b=2'), { type }), 400, 'INPUT_UNREADABLE');
    }
  });

  it('bad and unknown parameters are 400 naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['colour=red', /unknown query parameter "colour"/],
      ['url=http://169.254.169.254/', /unknown query parameter "url"/],
      ['path=/etc/passwd', /unknown query parameter "path"/],
      ['faces=maybe', /"faces" must be one of auto, on, off/],
      ['flip=yes', /"flip" must be one of true, false, 1, 0/],
      ['alpha=3', /"alpha"/],
      ['alpha=Infinity', /"alpha" is not valid: give a decimal from 0 to 1/],
      ['alpha=-Infinity', /"alpha"/],
      ['alpha=1e400', /"alpha"/],
      ['alpha=0x1', /"alpha"/],
      ['alpha=%20', /"alpha"/],
      ['scales=0.5,2', /scales.*include 1/],
      ['scales=a,1', /'a' is not a number/],
      ['outputs=labels,json', /unknown "json"/],
      ['outputs=', /got '' \(no outputs\)/],
      ['flip=true&flip=false', /"flip"/],
    ];
    for (const [query, message] of cases) await expectError(await postImage(t.url, photo, { query }), 400, 'INVALID_ARGUMENT', message);
    await expectError(await postImage(t.url, photo, { query: 'outputs=color', accept: 'image/png' }), 400, 'INVALID_ARGUMENT', /label PNG only/);
    await stillServing();
  });

  it("outputs=region with region, grow, feather: the library's region PNGs by name; labelSet maps the labels", async () => {
    const query = 'outputs=region,labels&region=face&region=hair&region=lips%3Du_lip%2Cl_lip&region=left%20eye&grow=2&feather=3&labelSet=lapa';
    const response = await postImage(t.url, photo, { query });
    expect(response.status).toBe(200);
    const body = (await response.json()) as JsonAnswer & { labelSet?: string };
    const expected = await reference.parse(photo, { labelSet: 'lapa' });
    const regions = body.outputs.region as Record<string, string>;
    expect(Object.keys(regions).sort()).toEqual(['face', 'hair', 'left_eye', 'lips']);
    for (const [name, classes] of [
      ['face', 'face'],
      ['hair', 'hair'],
      ['lips', ['u_lip', 'l_lip']],
      ['left_eye', 'left eye'],
    ] as const) {
      expect(b64png(regions[name]!).equals(await expected.toRegionPng({ classes, grow: 2, feather: 3 })), name).toBe(true);
    }
    expect(body.labelSet).toBe('lapa');
    expect(body.labels).toHaveLength(11);
    expect(b64png(body.outputs.labels as string).equals(await expected.toLabelPng())).toBe(true);
    // region alone implies the region output; one region parameter is an array of one
    const one = (await (await postImage(t.url, photo, { query: 'outputs=labels&region=skin' })).json()) as JsonAnswer;
    expect(Object.keys(one.outputs.region as Record<string, string>)).toEqual(['skin']);
  });

  it('bad regions are 400 naming what is valid', async () => {
    await expectError(
      await postImage(t.url, photo, { query: 'region=beard' }),
      400,
      'INVALID_ARGUMENT',
      /region beard: no class or preset "beard"; presets are face, head/,
    );
    await expectError(await postImage(t.url, photo, { query: 'outputs=region' }), 400, 'INVALID_ARGUMENT', /outputs=region needs at least one region/);
    await expectError(await postImage(t.url, photo, { query: 'grow=3' }), 400, 'INVALID_ARGUMENT', /add a region parameter/);
    await expectError(await postImage(t.url, photo, { query: 'region=face&grow=wide' }), 400, 'INVALID_ARGUMENT', /"grow"/);
    await expectError(await postImage(t.url, photo, { query: 'region=face&feather=-1' }), 400, 'INVALID_ARGUMENT', /"feather"/);
    await expectError(
      await postImage(t.url, photo, { query: 'labelSet=helen' }),
      400,
      'INVALID_ARGUMENT',
      /"labelSet" must be one of celebamask, lapa, mediapipe, bisenet/,
    );
    await expectError(await postImage(t.url, photo, { query: 'region=face', accept: 'image/png' }), 400, 'INVALID_ARGUMENT', /label PNG only/);
    await stillServing();
  });

  it('faces=auto|on|off is accepted and passed to the pipeline', async () => {
    for (const faces of ['auto', 'on', 'off']) {
      const response = await postImage(t.url, photo, { query: `faces=${faces}` });
      expect(response.status, faces).toBe(200);
    }
  });

  it.skipIf(!existsSync(THREE_FACES))(
    `flip on a three-face photo: no negative timing, inference within the total${existsSync(THREE_FACES) ? '' : ' (skipped: ../shared is absent)'}`,
    async () => {
      const response = await postImage(t.url, readFileSync(THREE_FACES), { type: 'image/jpeg', query: 'faces=on&flip=true' });
      expect(response.status).toBe(200);
      const body = (await response.json()) as JsonAnswer;
      expect((body.faces as unknown[]).length).toBe(3);
      for (const [stage, ms] of Object.entries(body.timings)) expect(ms, stage).toBeGreaterThanOrEqual(0);
      const { total, ...stages } = body.timings;
      expect(Object.values(stages).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(total!);
    },
  );

  it('a 64 MB body is 413 (with Content-Length, chunked, and multipart); the server keeps serving', async () => {
    const big = Buffer.alloc(64 * MB, 0x5a);
    await expectError(await postImage(t.url, big), 413, 'BODY_TOO_LARGE', /20,971,520 bytes/);
    let sent = 0;
    const chunked = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 64 * MB) return controller.close();
        controller.enqueue(new Uint8Array(MB));
        sent += MB;
      },
    });
    const streamed = await fetch(`${t.url}/v1/parse`, {
      method: 'POST',
      body: chunked,
      headers: { 'content-type': 'image/png' },
      duplex: 'half',
    } as RequestInit);
    await expectError(streamed, 413, 'BODY_TOO_LARGE');
    const form = new FormData();
    form.append('image', new Blob([bodyOf(big)], { type: 'image/png' }), 'big.png');
    await expectError(await fetch(`${t.url}/v1/parse`, { method: 'POST', body: form }), 413, 'BODY_TOO_LARGE');
    await stillServing();
  });

  it('decompression bombs are 413 INPUT_TOO_LARGE before any pixel is decoded', async () => {
    const header = pngHeaderBomb(100_000, 100_000);
    expect(header.length).toBeLessThan(200_000);
    await expectError(await postImage(t.url, header), 413, 'INPUT_TOO_LARGE', /10,000,000,000 pixels/);
    // A genuine, highly compressible PNG of 7000 x 7000 = 49 MP (over the service's 40 MP default) in a few hundred kB.
    const flat = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: { r: 200, g: 180, b: 160 } } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(flat.length).toBeLessThan(MB);
    await expectError(await postImage(t.url, flat), 413, 'INPUT_TOO_LARGE', /49,000,000 pixels/);
    await stillServing();
  });

  it('a stream of random bad requests never gets a 5xx, and every refusal is JSON with a code', async () => {
    let seed = 20261201;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const jpeg = await sharp(photo).jpeg().toBuffer();
    const bodies = [
      () => Buffer.from(Array.from({ length: Math.floor(random() * 5000) }, () => Math.floor(random() * 256))),
      () => Buffer.concat([PNG_SIGNATURE, Buffer.from(Array.from({ length: 300 }, () => Math.floor(random() * 256)))]),
      () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]),
      () => jpeg.subarray(0, Math.floor(random() * jpeg.length)),
      () => photo.subarray(0, Math.floor(random() * photo.length)),
      () => Buffer.from('--b\r\nContent-Disposition: form-data; name="image"\r\n\r\nxx\r\n--b--\r\n'),
      () => Buffer.alloc(0),
    ];
    const types = [
      'image/png',
      'image/jpeg',
      'image/webp',
      'application/octet-stream',
      'multipart/form-data; boundary=b',
      'multipart/form-data',
      'text/plain',
      'image/svg+xml',
      '',
    ];
    const queries = ['', 'outputs=masks,confidence', 'flip=true', 'scales=1,0.5', 'faces=on', 'bogus=1', 'scales=', 'alpha=-1', 'outputs=labels&outputs=color'];
    const seen = new Set<number>();
    for (let i = 0; i < 80; i++) {
      const response = await postImage(t.url, pick(bodies)(), {
        type: pick(types),
        query: pick(queries),
        accept: pick(['image/png', 'application/json', '*/*']),
      });
      seen.add(response.status);
      expect(response.status, `request ${i}`).toBeLessThan(500);
      if (response.status !== 200) expect(((await response.json()) as ErrorAnswer).error.code).toMatch(/^[A-Z_]+$/);
      else await response.arrayBuffer();
    }
    expect([...seen].some((s) => s === 400)).toBe(true);
    expect([...seen].some((s) => s === 415)).toBe(true);
    await stillServing();
  });

  it('unknown routes are 404 JSON; / without a built web app says how to build it', async () => {
    await expectError(await fetch(`${t.url}/v2/parse`, { method: 'POST' }), 404, 'NOT_FOUND', /no route POST \/v2\/parse/);
    await expectError(await fetch(`${t.url}/v2/parse`, { method: 'DELETE' }), 404, 'NOT_FOUND');
    await expectError(await fetch(`${t.url}/`), 404, 'NOT_FOUND', /web app is not built.*--app-dir/);
  });

  it('a known route asked with another method is 405 JSON with Allow', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/v1/parse', 'POST'],
      ['GET', '/v1/parse?faces=on', 'POST'],
      ['PUT', '/v1/parse', 'POST'],
      ['DELETE', '/v1/parse', 'POST'],
      ['PATCH', '/v1/parse', 'POST'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['DELETE', '/readyz', 'GET, HEAD'],
      ['POST', '/metrics', 'GET, HEAD'],
      ['PUT', '/openapi.json', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await fetch(`${t.url}${path}`, { method });
      const body = await expectError(response, 405, 'METHOD_NOT_ALLOWED', new RegExp(`^${method} is not allowed on ${path.split('?')[0]}; use ${allow}`));
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(body.error.message).toContain('/docs');
    }
    const head = await fetch(`${t.url}/v1/parse`, { method: 'HEAD' });
    expect(head.status).toBe(405);
    expect(head.headers.get('allow')).toBe('POST');
    await stillServing();
  });

  it('GET /openapi.json describes the API from the route schemas; /docs shows it', async () => {
    const response = await fetch(`${t.url}/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> }
        >
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/parse', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/']));
    const parse = doc.paths['/v1/parse']!.post!;
    expect(
      parse
        .parameters!.filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort(),
    ).toEqual(['alpha', 'faces', 'feather', 'flip', 'grow', 'labelSet', 'outputs', 'region', 'scales']);
    expect(Object.keys(parse.requestBody!.content)).toEqual(
      expect.arrayContaining(['image/png', 'image/jpeg', 'application/octet-stream', 'multipart/form-data']),
    );
    expect(Object.keys(parse.responses)).toEqual(expect.arrayContaining(['200', '400', '413', '415', '503', '504']));
    const docs = await fetch(`${t.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await docs.text();
    expect(html).toContain('/v1/parse');
    expect(html).toContain('openapi.json');
    expect(html).not.toMatch(/<script/i);
  });

  it('GET /metrics counts requests by route and status, splits queue wait and parse, shows gauges and the model', async () => {
    await postImage(t.url, photo);
    await postImage(t.url, Buffer.from('garbage'));
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/faceparse_http_requests_total\{route="\/v1\/parse",method="POST",status="200"\} [1-9]/);
    expect(text).toMatch(/faceparse_http_requests_total\{route="\/v1\/parse",method="POST",status="400"\} [1-9]/);
    expect(text).toMatch(/faceparse_http_request_duration_seconds_count\{route="\/v1\/parse"\} [1-9]/);
    expect(text).toMatch(/faceparse_queue_wait_seconds_count [1-9]/);
    expect(text).toMatch(/faceparse_parse_duration_seconds_count [1-9]/);
    expect(text).toMatch(/faceparse_encode_duration_seconds_count [1-9]/);
    expect(text).toMatch(/faceparse_parses_in_flight 0/);
    expect(text).toMatch(/faceparse_requests_queued 0/);
    expect(text).toContain(`faceparse_model_info{model="tiny-segformer",variant="fp32",classes="19"} 1`);
    expect(text).not.toContain(TINY_MODEL);
    expect(text).toMatch(/faceparse_process_resident_memory_bytes \d+/);
  });

  it('answers carry security headers and a request id that is also in the logs', async () => {
    for (const response of [await postImage(t.url, photo), await postImage(t.url, photo, { accept: 'image/png' }), await postImage(t.url, Buffer.from('x'))]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('access-control-allow-origin')).toBeNull(); // CORS is off by default
    }
    const traced = await postImage(t.url, photo, { headers: { 'x-request-id': 'trace-42', origin: 'https://elsewhere.example' } });
    expect(traced.headers.get('x-request-id')).toBe('trace-42');
    expect(traced.headers.get('access-control-allow-origin')).toBeNull();
    expect(t.logs.lines.some((l) => l.reqId === 'trace-42' && l.msg === 'request completed')).toBe(true);
    const injected = await postImage(t.url, photo, { headers: { 'x-request-id': 'bad id\twith "quotes"' } });
    expect(injected.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('faceparse service: the web app folder', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'faceparse-app-'));
  let t: TestServer;
  beforeAll(async () => {
    const app = join(tmp, 'app');
    mkdirSync(join(app, 'assets'), { recursive: true });
    writeFileSync(join(app, 'index.html'), '<!doctype html><title>faceparse app</title>');
    writeFileSync(join(app, 'assets', 'main.js'), 'console.log(1)');
    writeFileSync(join(app, 'assets', 'ort.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    writeFileSync(join(app, '.env'), 'SECRET=1');
    writeFileSync(join(tmp, 'outside.txt'), 'not served');
    t = await startServer({ appDir: app });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves index.html at / and files under it, with cross-origin isolation', async () => {
    const index = await fetch(`${t.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(index.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await index.text()).toContain('faceparse app');
    const js = await fetch(`${t.url}/assets/main.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${t.url}/assets/ort.wasm`)).headers.get('content-type')).toBe('application/wasm');
  });

  it('serves nothing outside the folder, no dotfiles, no missing files', async () => {
    for (const path of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/%2e%2e/%2e%2e/outside.txt', '/.env', '/missing.js', '/%00']) {
      const response = await fetch(`${t.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as ErrorAnswer).error.code).toBe('NOT_FOUND');
    }
    // The app's GET /* does not swallow API paths: GET /v1/parse is still a 405.
    const api = await fetch(`${t.url}/v1/parse`);
    expect(api.status).toBe(405);
    expect(api.headers.get('allow')).toBe('POST');
    const malformed = await fetch(`${t.url}/%E0%A4%A`);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorAnswer).error.code).toBe('BAD_REQUEST');
    expect(malformed.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
