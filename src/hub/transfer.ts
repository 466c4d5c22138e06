/**
 * Limits on every network read of the hub client, so that a server that stalls, trickles or
 * sends too much fails in bounded time and memory instead of hanging:
 *
 * - headers: the response headers must arrive within `headersTimeoutMs` of sending the request
 *   (connecting included; Node's fetch also gives up a TCP connect on its own after 10 s);
 * - idle: once the body flows, no gap without a single byte may last `idleTimeoutMs`;
 * - low speed: the body must average at least `minBytesPerSecond` over any `lowSpeedWindowMs`
 *   (curl's `--speed-limit` / `--speed-time`), so a byte every few seconds fails too;
 * - size: no file may be larger than its cap ({@link maxBytesFor}); an announced size over it is
 *   refused before the body is read, a body that grows over it is cut off.
 *
 * With the defaults a silent or trickling server fails within 90 s (headers of the hub, headers
 * of the CDN it redirects to, then the body's window), inside the two minutes a user can wait.
 * These failures are not retried: a server that stalled once for 30 s is asked again on the next run.
 */
import { FaceParseError } from '../base/errors.js';

import type { NetworkLimits } from './types.js';
export type { NetworkLimits } from './types.js';

export const DEFAULT_NETWORK_LIMITS: Readonly<NetworkLimits> = Object.freeze({
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  minBytesPerSecond: 1024,
  lowSpeedWindowMs: 30_000,
});

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** onnxruntime cannot load an ONNX protobuf over 2 GiB (larger models put their weights in `.onnx_data`). */
export const MAX_ONNX_BYTES = 2 * GIB;
/** External weights: the largest SegFormer (B5, fp32) is 0.33 GB; this leaves room for far bigger exports. */
export const MAX_ONNX_DATA_BYTES = 16 * GIB;
/** config.json, preprocessor_config.json, READMEs: a few kB in practice. */
export const MAX_SMALL_FILE_BYTES = 16 * MIB;
/** An error body is read only for its message. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The size cap of one repo file: `maxFileBytes` when set, else by kind. */
export function maxBytesFor(file: string, limits: NetworkLimits): number {
  if (limits.maxFileBytes !== undefined) return limits.maxFileBytes;
  if (file.endsWith('.onnx')) return MAX_ONNX_BYTES;
  if (file.endsWith('.onnx_data')) return MAX_ONNX_DATA_BYTES;
  return MAX_SMALL_FILE_BYTES;
}

function positiveMs(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new FaceParseError('INVALID_ARGUMENT', `${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/**
 * The limits of one hub call: the options, else `HF_HUB_DOWNLOAD_TIMEOUT` (seconds, as Python's
 * `huggingface_hub` reads it) for the headers and idle timeouts and the speed window, else the defaults.
 */
export function resolveNetworkLimits(options: Partial<NetworkLimits> = {}, env: Record<string, string | undefined> = process.env): NetworkLimits {
  const fromEnv = env.HF_HUB_DOWNLOAD_TIMEOUT?.trim();
  let envMs: number | undefined;
  if (fromEnv) {
    const seconds = Number(fromEnv);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new FaceParseError('INVALID_ARGUMENT', `HF_HUB_DOWNLOAD_TIMEOUT must be a positive number of seconds, got "${fromEnv}"`);
    }
    envMs = seconds * 1000;
  }
  const base = (key: 'headersTimeoutMs' | 'idleTimeoutMs' | 'lowSpeedWindowMs'): number => positiveMs(options[key], key, envMs ?? DEFAULT_NETWORK_LIMITS[key]);
  const minBytesPerSecond = options.minBytesPerSecond ?? DEFAULT_NETWORK_LIMITS.minBytesPerSecond;
  if (!Number.isFinite(minBytesPerSecond) || minBytesPerSecond < 0) {
    throw new FaceParseError('INVALID_ARGUMENT', `minBytesPerSecond must be a number >= 0, got ${String(minBytesPerSecond)}`);
  }
  if (options.maxFileBytes !== undefined && !(Number.isInteger(options.maxFileBytes) && options.maxFileBytes > 0)) {
    throw new FaceParseError('INVALID_ARGUMENT', `maxFileBytes must be a whole number of bytes >= 1, got ${String(options.maxFileBytes)}`);
  }
  return {
    headersTimeoutMs: base('headersTimeoutMs'),
    idleTimeoutMs: base('idleTimeoutMs'),
    lowSpeedWindowMs: base('lowSpeedWindowMs'),
    minBytesPerSecond,
    ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
  };
}

/** Why a guard stopped a transfer: said in the error, in words a user can act on. */
export class StalledTransfer extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'StalledTransfer';
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * One request under the limits: `signal` goes to fetch (it aborts on the caller's abort and when a
 * limit is hit); `stalled` says which limit, if any, stopped it. Always `dispose()` it.
 */
export class GuardedRequest {
  readonly #controller = new AbortController();
  readonly #limits: NetworkLimits;
  readonly #outer: AbortSignal | undefined;
  readonly #onOuterAbort = (): void => this.#controller.abort(this.#outer?.reason);
  #timers: ReturnType<typeof setTimeout>[] = [];
  #stalled: StalledTransfer | undefined;

  constructor(limits: NetworkLimits, outer?: AbortSignal) {
    this.#limits = limits;
    this.#outer = outer;
    if (outer?.aborted) this.#controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Set when a limit (not the caller) stopped the request. */
  get stalled(): StalledTransfer | undefined {
    return this.#stalled;
  }

  #stop(detail: string): void {
    if (this.#controller.signal.aborted) return;
    this.#stalled = new StalledTransfer(detail);
    this.#controller.abort(this.#stalled);
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
  }

  /** fetch under the headers timeout. */
  async fetch(fetchImpl: typeof fetch, url: string, init: RequestInit): Promise<Response> {
    const timer = setTimeout(() => this.#stop(`no response within ${seconds(this.#limits.headersTimeoutMs)}`), this.#limits.headersTimeoutMs);
    this.#timers.push(timer);
    try {
      return await fetchImpl(url, { ...init, signal: this.signal });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The body, piece by piece, under the idle timeout, the minimum speed and `maxBytes`. A stopped
   * body throws (the abort error of fetch, or StalledTransfer for the size cap); check `stalled`.
   */
  async *body(res: Response, maxBytes: number): AsyncGenerator<Uint8Array> {
    if (!res.body) return;
    const { idleTimeoutMs, minBytesPerSecond, lowSpeedWindowMs } = this.#limits;
    let loaded = 0;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = (): void => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => this.#stop(`no data for ${seconds(idleTimeoutMs)} after ${loaded} bytes`), idleTimeoutMs);
      this.#timers.push(idle);
    };
    // Samples of (time, bytes so far); the speed over the last window is checked a few times per window.
    const started = Date.now();
    const samples: Array<{ at: number; loaded: number }> = [{ at: started, loaded: 0 }];
    let speed: ReturnType<typeof setInterval> | undefined;
    if (minBytesPerSecond > 0) {
      speed = setInterval(
        () => {
          const now = Date.now();
          samples.push({ at: now, loaded });
          while (samples.length > 2 && samples[1]!.at <= now - lowSpeedWindowMs) samples.shift();
          const first = samples[0]!;
          if (now - first.at < lowSpeedWindowMs) return;
          const rate = ((loaded - first.loaded) * 1000) / (now - first.at);
          if (rate < minBytesPerSecond) {
            this.#stop(
              `the transfer was slower than ${minBytesPerSecond} bytes/s for ${seconds(lowSpeedWindowMs)} ` +
                `(${rate < 10 ? rate.toFixed(1) : Math.round(rate)} bytes/s, ${loaded} bytes in ${seconds(now - started)})`,
            );
          }
        },
        Math.max(10, Math.min(1000, lowSpeedWindowMs / 4)),
      );
    }
    armIdle();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        loaded += chunk.byteLength;
        if (loaded > maxBytes) {
          this.#stop(`the body grew past ${maxBytes} bytes, the size cap for this file`);
          throw this.#stalled!;
        }
        armIdle();
        yield chunk;
      }
    } finally {
      if (idle) clearTimeout(idle);
      if (speed) clearInterval(speed);
    }
  }

  /** A short body (an error message), read under the same limits and capped; '' when it cannot be read. */
  async text(res: Response, maxBytes = MAX_ERROR_BODY_BYTES): Promise<string> {
    const parts: Uint8Array[] = [];
    try {
      for await (const chunk of this.body(res, Number.MAX_SAFE_INTEGER)) {
        parts.push(chunk);
        if (parts.reduce((n, p) => n + p.byteLength, 0) >= maxBytes) break;
      }
    } catch {
      return '';
    }
    return Buffer.concat(parts).subarray(0, maxBytes).toString('utf8');
  }

  dispose(): void {
    this.#clearTimers();
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }
}
