/**
 * The service's bounds with a model whose runs are held until the test lets them go: a full gate
 * answers 503 + Retry-After at once, deadlines answer 504 (a parse past its deadline keeps its
 * slot until it really ends), a client that goes away leaves the queue, API keys, CORS, and a
 * clean stop with requests in flight.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bodyOf, HeldModel, postImage, startServer, testPng, until, type ErrorAnswer, type TestServer } from './helpers.js';

/** These tests hold model runs: the photos (no face in them) are parsed whole, so the model runs. */
const WHOLE = { query: 'faces=off' };

let open: TestServer[] = [];
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
});

async function heldServer(model: HeldModel, options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const parser = await model.parser();
  const t = await startServer({ faceParser: parser, ...options });
  const close = t.close;
  t.close = async () => {
    model.releaseAll();
    const closed = await close();
    await parser.close();
    return closed;
  };
  open.push(t);
  return t;
}

describe('limits with held model runs', () => {
  it('a full gate answers 503 with Retry-After at once; the admitted requests then finish with 200', async () => {
    const model = new HeldModel();
    const t = await heldServer(model, { concurrency: 1, maxQueue: 1 });
    const photo = await testPng();
    const first = postImage(t.url, photo, WHOLE);
    await until(() => model.waiting === 1, 10_000, 'the first run to start');
    const second = postImage(t.url, photo, WHOLE);
    await until(() => t.server.gate.queued === 1, 10_000, 'the second request to queue');
    const ready = (await (await fetch(`${t.url}/readyz`)).json()) as { running: number; queued: number };
    expect(ready).toMatchObject({ running: 1, queued: 1 });

    const started = performance.now();
    const third = await postImage(t.url, photo, WHOLE);
    expect(performance.now() - started).toBeLessThan(2000); // at once, not after the held runs
    expect(third.status).toBe(503);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await third.json()) as ErrorAnswer).error.code).toBe('QUEUE_FULL');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/faceparse_parses_in_flight 1/);
    expect(metrics).toMatch(/faceparse_requests_queued 1/);
    expect(metrics).toMatch(/faceparse_rejected_total\{reason="queue_full"\} 1/);

    model.releaseAll();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect([t.server.gate.running, t.server.gate.queued]).toEqual([0, 0]);
  });

  it('the pixel budget holds a second photo back while a slot is free, and lets it run when the first ends', async () => {
    const model = new HeldModel();
    const photo = await testPng(96, 64); // 6144 pixels
    const t = await heldServer(model, { concurrency: 4, maxQueue: 4, maxPixelsInFlight: 10_000 });
    const first = postImage(t.url, photo, WHOLE);
    await until(() => model.waiting === 1);
    const second = postImage(t.url, photo, WHOLE);
    await until(() => t.server.gate.queued === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect([t.server.gate.running, t.server.gate.queued, model.waiting]).toEqual([1, 1, 1]);
    const ready = (await (await fetch(`${t.url}/readyz`)).json()) as { pixelsInFlight: number; pixelBudget: number };
    expect(ready).toMatchObject({ pixelsInFlight: 6144, pixelBudget: 10_000 });
    expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/faceparse_pixels_in_flight 6144/);
    model.releaseOne();
    await until(() => model.waiting === 1, 10_000, 'the second photo to reach the model');
    model.releaseAll();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
  });

  it('a 503 is sent before the body is read: a full gate does not buffer uploads', async () => {
    const model = new HeldModel();
    const t = await heldServer(model, { concurrency: 1, maxQueue: 0 });
    const photo = await testPng();
    const first = postImage(t.url, photo, WHOLE);
    await until(() => model.waiting === 1);
    // A body that never ends: only an answer sent before reading it can come back.
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => new Promise((r) => setTimeout(() => (c.enqueue(new Uint8Array(1024)), r()), 50)) });
    const refused = await fetch(`${t.url}/v1/parse`, {
      method: 'POST',
      body: endless,
      headers: { 'content-type': 'image/png' },
      duplex: 'half',
    } as RequestInit);
    expect(refused.status).toBe(503);
    model.releaseAll();
    expect((await first).status).toBe(200);
  });

  it('the deadline gives 504 while queued and while parsing; the late parse keeps its slot until it ends', async () => {
    const model = new HeldModel();
    const t = await heldServer(model, { concurrency: 1, maxQueue: 2, timeoutMs: 400 });
    const photo = await testPng();
    const parsing = postImage(t.url, photo, WHOLE);
    await until(() => model.waiting === 1);
    const queued = postImage(t.url, photo, WHOLE);
    const [a, b] = await Promise.all([parsing, queued]);
    for (const response of [a, b]) {
      expect(response.status).toBe(504);
      const body = (await response.json()) as ErrorAnswer;
      expect(body.error.code).toBe('TIMEOUT');
      expect(body.error.message).toMatch(/deadline of 0.4 s/);
    }
    // The first parse is still on the model: its slot is still taken, so the gate matches the work running.
    expect(t.server.gate.running).toBe(1);
    model.releaseAll();
    await until(() => t.server.gate.running === 0, 10_000, 'the late parse to end');
    expect((await postImage(t.url, photo, WHOLE)).status).toBe(200);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/faceparse_rejected_total\{reason="timeout"\} 2/);
    expect(metrics).toMatch(/faceparse_http_requests_total\{route="\/v1\/parse",method="POST",status="504"\} 2/);
  });

  it('a client that goes away while queued gives its place back and is never parsed', async () => {
    const model = new HeldModel();
    const t = await heldServer(model, { concurrency: 1, maxQueue: 1 });
    const photo = await testPng();
    const first = postImage(t.url, photo, WHOLE);
    await until(() => model.waiting === 1);
    const abort = new AbortController();
    const gone = fetch(`${t.url}/v1/parse?faces=off`, { method: 'POST', body: bodyOf(photo), headers: { 'content-type': 'image/png' }, signal: abort.signal });
    await until(() => t.server.gate.queued === 1);
    abort.abort();
    await expect(gone).rejects.toThrow();
    await until(() => t.server.gate.queued === 0, 10_000, 'the queue place to be given back');
    model.releaseAll();
    expect((await first).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(model.runs).toBe(1);
  });

  it('close() stops accepting, lets requests in flight finish, then resolves unforced', async () => {
    const model = new HeldModel();
    const t = await heldServer(model, { concurrency: 1, maxQueue: 2 });
    const photo = await testPng();
    const inFlight = [postImage(t.url, photo, WHOLE), postImage(t.url, photo, WHOLE)];
    await until(() => t.server.gate.running + t.server.gate.queued === 2);
    const closing = t.server.close({ graceMs: 10_000 });
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow(); // no new connections
    model.releaseAll();
    const answers = await Promise.all(inFlight);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(await closing).toEqual({ forced: false });
  });

  it('close() cuts requests still running after the grace period and says so', async () => {
    const model = new HeldModel();
    const t = await heldServer(model, { concurrency: 1, maxQueue: 0 });
    const stuck = postImage(t.url, await testPng(), WHOLE).then(
      (r) => r.status,
      () => 'cut',
    );
    await until(() => model.waiting === 1);
    const closing = t.server.close({ graceMs: 100 });
    await new Promise((r) => setTimeout(r, 300));
    model.releaseAll(); // the parse ends (the model can be closed), but its connection is already gone
    expect(await closing).toEqual({ forced: true });
    expect(await stuck).toBe('cut');
  });
});

describe('API keys', () => {
  it('/v1/* and /metrics need a listed key; probes, docs and the app stay open; the key is checked before the body', async () => {
    const model = new HeldModel();
    model.releaseAll();
    const t = await heldServer(model, { apiKeys: ['key-one', 'key-two'] });
    const photo = await testPng();
    const none = await postImage(t.url, photo);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as ErrorAnswer).error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/Authorization: Bearer/) });
    const wrong = await postImage(t.url, photo, { headers: { authorization: 'Bearer key-three' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as ErrorAnswer).error.message).toMatch(/not valid/);
    expect((await postImage(t.url, photo, { headers: { authorization: 'Basic a2V5LW9uZQ==' } })).status).toBe(401);
    expect((await postImage(t.url, photo, { headers: { authorization: 'Bearer key-two' } })).status).toBe(200);
    expect((await postImage(t.url, photo, { headers: { authorization: 'bearer key-one' } })).status).toBe(200);
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer key-one' } })).status).toBe(200);
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs']) expect((await fetch(`${t.url}${path}`)).status, path).toBe(200);
    // An unauthenticated 64 MB upload is refused for the key, not read.
    expect((await postImage(t.url, Buffer.alloc(64 * 1024 * 1024))).status).toBe(401);
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as { security?: unknown[] };
    expect(doc.security).toEqual([{ apiKey: [] }]);
  });
});

describe('CORS', () => {
  it('is off by default and answers only the configured origins', async () => {
    const model = new HeldModel();
    model.releaseAll();
    const off = await heldServer(model);
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/v1/parse`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    expect((await preflight(off.url, 'https://app.example')).headers.get('access-control-allow-origin')).toBeNull();

    const on = await heldServer(model, { corsOrigins: ['https://app.example'], apiKeys: ['k'] });
    const allowed = await preflight(on.url, 'https://app.example');
    expect(allowed.status).toBeLessThan(300); // the preflight needs no key
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect((await preflight(on.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const answer = await postImage(on.url, await testPng(), { headers: { origin: 'https://app.example', authorization: 'Bearer k' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(answer.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
  });
});
