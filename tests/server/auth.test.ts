/**
 * API keys on every spelling of a guarded path: the key is checked on the route the router
 * matched, not on the raw URL, so percent-encoding, absolute-form request lines, fragments,
 * double slashes, dot segments, case and trailing slashes cannot reach /v1/parse or /metrics
 * without a key. Requests are written on a raw socket, so the request line is exactly the one
 * given (fetch would normalise it).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeldModel, startServer, testPng, type TestServer } from './helpers.js';

/** One HTTP/1.1 request with this exact request line; resolves to the status and the body. */
function rawRequest(
  url: string,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    const lines = [`${method} ${target} HTTP/1.1`, `host: ${hostname}:${port}`, 'connection: close'];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (body) lines.push('content-type: image/png', `content-length: ${body.length}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    if (body) socket.write(body);
  });
}

const PARSE_SPELLINGS = [
  '/v1/parse',
  '/%761/parse',
  '/v1/%70arse',
  '/%76%31%2fparse',
  '/v1/parse?faces=off',
  '/v1/parse#x',
  '/v1/parse/',
  '//v1/parse',
  '/v1//parse',
  '/./v1/parse',
  '/v1/./parse',
  '/x/../v1/parse',
  '/V1/PARSE',
  '/v1/parse;x',
  '/v1/parse%3Fx',
  '/v1/parse%23x',
  'http://x/v1/parse',
  'http://x/%761/parse',
  'HTTP://X/v1/parse',
  'http://x//v1/parse',
  '*',
];
const METRICS_SPELLINGS = [
  '/metrics',
  '/%6detrics',
  '/%6Detrics',
  '/metrics#x',
  '/metrics?x=1',
  '/metrics/',
  '//metrics',
  '/./metrics',
  '/x/../metrics',
  '/METRICS',
  '/metrics;x',
  'http://x/metrics',
  'http://x/%6detrics',
  'http://user:pw@x/metrics',
];

describe('API keys on every spelling of a guarded path', () => {
  let t: TestServer;
  let model: HeldModel;
  let photo: Buffer;
  beforeAll(async () => {
    model = new HeldModel();
    model.releaseAll();
    const parser = await model.parser();
    t = await startServer({ faceParser: parser, apiKeys: ['k1'] });
    const close = t.close;
    t.close = async () => {
      const closed = await close();
      await parser.close();
      return closed;
    };
    photo = await testPng();
  });
  afterAll(async () => {
    await t.close();
  });

  it('no spelling of POST /v1/parse parses without the key', async () => {
    const runs = model.runs;
    for (const target of PARSE_SPELLINGS) {
      const answer = await rawRequest(t.url, 'POST', target, {}, photo);
      expect([400, 401, 404], `POST ${target} -> ${answer.status} ${answer.body.slice(0, 200)}`).toContain(answer.status);
      if (answer.status !== 0) expect(answer.body, target).toMatch(/"error"/);
    }
    expect(model.runs).toBe(runs);
  });

  it('no spelling of GET /metrics answers the metrics without the key', async () => {
    for (const method of ['GET', 'HEAD']) {
      for (const target of METRICS_SPELLINGS) {
        const answer = await rawRequest(t.url, method, target);
        expect([400, 401, 404], `${method} ${target} -> ${answer.status}`).toContain(answer.status);
        expect(answer.body, `${method} ${target}`).not.toMatch(/faceparse_/);
      }
    }
  });

  it('with the key (Authorization: Bearer or X-API-Key) the routed spellings are served', async () => {
    for (const headers of [{ authorization: 'Bearer k1' }, { 'x-api-key': 'k1' }] as Array<Record<string, string>>) {
      for (const target of ['/v1/parse?faces=off', '/%761/parse?faces=off', 'http://x/v1/parse?faces=off']) {
        const answer = await rawRequest(t.url, 'POST', target, headers, photo);
        expect(answer.status, `POST ${target} ${JSON.stringify(headers)}`).toBe(200);
      }
      for (const target of ['/metrics', '/%6detrics', 'http://x/metrics']) {
        const answer = await rawRequest(t.url, 'GET', target, headers);
        expect(answer.status, `GET ${target}`).toBe(200);
        expect(answer.body).toMatch(/faceparse_/);
      }
    }
    expect((await rawRequest(t.url, 'GET', '/metrics', { 'x-api-key': 'nope' })).status).toBe(401);
    expect((await rawRequest(t.url, 'GET', '/metrics', { authorization: 'Bearer k1', 'x-api-key': 'nope' })).status).toBe(401);
  });

  it('public routes stay open in every spelling the router serves', async () => {
    for (const target of ['/healthz', '/readyz', 'http://x/healthz', '/%68ealthz', '/docs', '/openapi.json']) {
      expect((await rawRequest(t.url, 'GET', target)).status, target).toBe(200);
    }
  });
});
