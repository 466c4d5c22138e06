/**
 * Helpers of the service tests: a server on a loopback port (port 0), requests to it, and a
 * FaceParser whose model runs are held until the test lets them go (a real pipeline over the tiny
 * model's configs, with a session that answers zero logits when released), so that queue, deadline
 * and shutdown cases are deterministic instead of depending on how fast the machine is.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import type { Logits } from '../../src/base/types.js';
import { FaceParser } from '../../src/pipeline/faceParser.js';
import { nodePlatform } from '../../src/platform/node/index.js';
import { readModelConfig, readPreprocessorConfig } from '../../src/platform/node/modelConfig.js';
import type { SegmentationSession } from '../../src/platform/types.js';
import { createServer, type FaceParseServer } from '../../src/server/app.js';
import type { ServerOptions } from '../../src/server/options.js';
import { TINY_MODEL } from '../helpers/golden.js';

export { TINY_MODEL };

/** Log lines the server wrote (JSON), for tests that look at the logs. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

export interface TestServer {
  server: FaceParseServer;
  url: string;
  logs: LogCapture;
  close: () => Promise<{ forced: boolean }>;
}

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const logs = new LogCapture();
  const server = await createServer({ parser: { model: TINY_MODEL, variant: 'fp32', threads: 1 }, logStream: logs, logLevel: 'info', ...options });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, url, logs, close: () => server.close({ graceMs: 5000 }) };
}

/** A model whose runs wait until `releaseAll()` (or `releaseOne()`), then answer zero logits. */
export class HeldModel {
  readonly #held: Array<() => void> = [];
  #open = false;
  runs = 0;

  /** Runs started and waiting. */
  get waiting(): number {
    return this.#held.length;
  }

  releaseOne(): void {
    this.#held.shift()?.();
  }

  /** Lets every waiting run and every later one go. */
  releaseAll(): void {
    this.#open = true;
    while (this.#held.length) this.#held.shift()!();
  }

  session(classes: number): SegmentationSession {
    return {
      modelPath: 'held',
      inputName: 'pixel_values',
      outputName: 'logits',
      inputType: 'float32',
      device: 'cpu',
      run: async (_pixels: Float32Array, batch: number, height: number, width: number): Promise<Logits> => {
        this.runs++;
        if (!this.#open) await new Promise<void>((resolve) => this.#held.push(resolve));
        const h = Math.ceil(height / 4);
        const w = Math.ceil(width / 4);
        return { data: new Float32Array(batch * classes * h * w), batch, classes, height: h, width: w };
      },
      release: async () => undefined,
    };
  }

  async parser(): Promise<FaceParser> {
    const config = await readModelConfig(join(TINY_MODEL, 'config.json'));
    const preprocessor = await readPreprocessorConfig(join(TINY_MODEL, 'preprocessor_config.json'));
    return FaceParser.fromLoaded(
      { platform: nodePlatform, labels: config.labels, preprocessor, sessions: [this.session(config.labels.length)], model: 'held-tiny', variant: 'fp32' },
      { maxInputPixels: 40_000_000 },
    );
  }
}

/** Resolves when `check()` is true (polled every 10 ms), or fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A small photo-like PNG (gradients), encoded with sharp. */
export async function testPng(width = 96, height = 64): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = ((x + y) * 7) % 256;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** Bytes as a fetch body or Blob part (the DOM types want an ArrayBuffer-backed view; a Buffer's may be shared). */
export const bodyOf = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

export function postImage(url: string, body: Uint8Array, init: { type?: string; accept?: string; headers?: Record<string, string>; query?: string } = {}) {
  const headers: Record<string, string> = {
    ...(init.type === undefined ? { 'content-type': 'image/png' } : init.type === '' ? {} : { 'content-type': init.type }),
    ...init.headers,
  };
  if (init.accept) headers.accept = init.accept;
  return fetch(`${url}/v1/parse${init.query ? `?${init.query}` : ''}`, { method: 'POST', body: bodyOf(body), headers });
}

export interface ErrorAnswer {
  error: { code: string; message: string };
}
