/**
 * The service's budgets under hostile traffic: a slow request and trickling uploads do not turn
 * every request into 503 (uploads are not queued work, the pace of a slow parse runs out while it
 * runs), a body that does not arrive ends in the JSON error shape within the deadline, and
 * test-time augmentation is counted in the pixel budget and refused past maxModelPixels.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logits } from '../../src/base/types.js';
import { FaceParser } from '../../src/pipeline/faceParser.js';
import { nodePlatform } from '../../src/platform/node/index.js';
import { readModelConfig, readPreprocessorConfig } from '../../src/platform/node/modelConfig.js';
import { postImage, startServer, testPng, TINY_MODEL, until, type ErrorAnswer, type TestServer } from './helpers.js';

const WHOLE = { query: 'faces=off' };

/** A model of two sessions whose runs wait while `holding` is set (each until released), else answer at once. */
class SwitchedModel {
  holding = false;
  readonly held: Array<() => void> = [];
  /** Pixels of each run's input, in order. */
  readonly inputs: number[] = [];

  async parser(options: { maxModelPixels?: number } = {}): Promise<FaceParser> {
    const config = await readModelConfig(join(TINY_MODEL, 'config.json'));
    const preprocessor = await readPreprocessorConfig(join(TINY_MODEL, 'preprocessor_config.json'));
    const classes = config.labels.length;
    const session = () => ({
      modelPath: 'switched',
      inputName: 'pixel_values',
      outputName: 'logits',
      inputType: 'float32' as const,
      device: 'cpu' as const,
      run: async (_pixels: Float32Array, batch: number, height: number, width: number): Promise<Logits> => {
        this.inputs.push(height * width);
        if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
        const h = Math.ceil(height / 4);
        const w = Math.ceil(width / 4);
        return { data: new Float32Array(batch * classes * h * w), batch, classes, height: h, width: w };
      },
      release: async () => undefined,
    });
    return FaceParser.fromLoaded(
      { platform: nodePlatform, labels: config.labels, preprocessor, sessions: [session(), session()], model: 'switched-tiny', variant: 'fp32' },
      { maxInputPixels: 40_000_000, ...options },
    );
  }

  releaseAll(): void {
    this.holding = false;
    while (this.held.length) this.held.shift()!();
  }
}

let open: TestServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(open.map((t) => t.close()));
  open = [];
});

async function switchedServer(model: SwitchedModel, options: Parameters<typeof startServer>[0] = {}, maxModelPixels?: number): Promise<TestServer> {
  const parser = await model.parser({ maxModelPixels });
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

/** An upload that sends its headers and a few bytes, then trickles one byte a second. */
function trickle(url: string, photo: Buffer): { socket: Socket; answer: Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  socket.write(`POST /v1/parse?faces=off HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: image/png\r\ncontent-length: ${photo.length}\r\n\r\n`);
  socket.write(photo.subarray(0, 16));
  let at = 16;
  const timer = setInterval(() => {
    if (at < photo.length - 1 && !socket.destroyed) socket.write(photo.subarray(at, ++at));
  }, 1000);
  const answer = new Promise<string>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    }),
  );
  return { socket, answer };
}

describe('the gate under a slow request and trickling uploads', () => {
  it('with one slow request and three trickling uploads open, normal requests are served', async () => {
    const model = new SwitchedModel();
    const t = await switchedServer(model, { concurrency: 2, maxQueue: 4, timeoutMs: 8000 });
    const photo = await testPng();
    // A first slow parse sets a slow pace (5 s of an 8 s deadline) ...
    model.holding = true;
    const first = postImage(t.url, photo, WHOLE);
    await until(() => model.held.length === 1, 10_000, 'the first run');
    await new Promise((r) => setTimeout(r, 5000));
    model.releaseAll();
    expect((await first).status).toBe(200);
    expect(t.server.gate.paceMs).toBeGreaterThan(4000);
    // ... a second one is running, and three uploads trickle in.
    model.holding = true;
    const slow = postImage(t.url, photo, WHOLE);
    await until(() => model.held.length === 1, 10_000, 'the slow run');
    model.holding = false;
    const trickles = [trickle(t.url, photo), trickle(t.url, photo), trickle(t.url, photo)];
    await until(() => t.server.gate.receiving === 3, 10_000, 'the trickling uploads to arrive');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await postImage(t.url, photo, WHOLE)).status);

    expect(statuses.filter((s) => s === 200).length, statuses.join(',')).toBeGreaterThanOrEqual(8);
    model.releaseAll();
    expect([200, 504]).toContain((await slow).status); // held past its deadline on a loaded machine: a 504 is its due
    // The trickling uploads end in the JSON error shape once the deadline passes, not after Node's 60 s timers.
    const started = performance.now();
    const answers = await Promise.all(trickles.map((u) => u.answer));
    expect(performance.now() - started).toBeLessThan(12_000);
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(answer).toMatch(/"code":"TIMEOUT"/);
      expect(answer).toMatch(/did not arrive within the deadline of 8 s/);
    }
    expect([t.server.gate.running, t.server.gate.queued]).toEqual([0, 0]);
  }, 60_000);
});

describe('test-time augmentation in the service budgets', () => {
  it('scales and flip are counted in the pixels in flight; over maxModelPixels or 8 scales is a 400 that says what to change', async () => {
    const model = new SwitchedModel();
    // The tiny model's input is 128x128: a budget of 8 such passes, as the default is for 512x512.
    const t = await switchedServer(model, { concurrency: 2 }, 8 * 128 * 128);
    const photo = await testPng(96, 64);
    model.holding = true;
    const plain = postImage(t.url, photo, WHOLE);
    await until(() => model.held.length === 1, 10_000, 'the plain run');
    const plainPixels = t.server.gate.pixelsInFlight;
    expect(plainPixels).toBe(96 * 64);
    model.releaseAll();
    expect((await plain).status).toBe(200);

    model.holding = true;
    const augmented = postImage(t.url, photo, { query: 'faces=off&scales=0.5,1,1.5&flip=true' });
    await until(() => model.held.length >= 1, 10_000, 'the augmented runs');
    const size = t.server.parser.inputSizeFor(96, 64);
    const side = (n: number, s: number) => Math.max(32, Math.floor(n * s + 0.5));
    const extra =
      2 * (side(size.width, 0.5) * side(size.height, 0.5) + size.width * size.height + side(size.width, 1.5) * side(size.height, 1.5)) -
      size.width * size.height;
    expect(t.server.gate.pixelsInFlight).toBe(96 * 64 + 32 * extra);
    model.releaseAll();
    expect((await augmented).status).toBe(200);

    const many = await postImage(t.url, photo, { query: `faces=off&scales=${Array.from({ length: 1000 }, (_, i) => (1 + i / 1000).toFixed(3)).join(',')}` });
    expect(many.status).toBe(400);
    expect(((await many.json()) as ErrorAnswer).error.message).toMatch(/1000 scales, at most 8/);
    const big = await postImage(t.url, photo, { query: 'faces=off&scales=1,3.9,4' });
    expect(big.status).toBe(400);
    const message = ((await big.json()) as ErrorAnswer).error.message;
    expect(message).toMatch(/scales 1,3.9,4 .* over the limit of .*fewer or smaller scales.*--max-model-pixels/);
    expect(t.server.gate.pixelsInFlight).toBe(0);
  });
});
