/**
 * Row bands across the cores for the two pure pixel loops whose cost grows with the photo: the
 * Pillow-exact resize (preprocess) and the fused upsample + arg-max (post-process). Rows are
 * independent in both, so each band is computed by the same code on its own thread (the main
 * thread takes the first band) and the bands are laid end to end: the bytes are those of the
 * single-threaded call. Small photos stay on the main thread, where threads would cost more than
 * they save (bench/throughput.ts prints the large-photo figure).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { resizePilRows, sourceRowsFor } from '../../image/resize.js';
import { upsampleArgmax } from '../../postprocess/upsampleArgmax.js';
import type { ParallelLoops } from '../types.js';
import type { BandReply, BandRequest } from './bandProtocol.js';
import { startThread } from './threadScript.js';

/** Below this many output (upsample) or source (resize) pixels, one thread is faster. */
export const BAND_MIN_PIXELS = 2_000_000;

type BandJob = Omit<Extract<BandRequest, { kind: 'resize' }>, 'id'> | Omit<Extract<BandRequest, { kind: 'upsample' }>, 'id'>;

class BandThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (out: Uint8Array) => void; reject: (error: Error) => void }>();
  #nextId = 1;

  constructor() {
    this.#worker = startThread('bandWorker.js');
    this.#worker.unref(); // idle band threads never keep the process alive
    this.#worker.on('message', (reply: BandReply) => {
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.error !== undefined || !reply.out) waiter.reject(new Error(reply.error ?? 'band thread sent no result'));
      else waiter.resolve(reply.out);
    });
    this.#worker.on('error', (error) => {
      for (const w of this.#pending.values()) w.reject(error);
      this.#pending.clear();
    });
  }

  run(job: BandJob, transfer: ArrayBuffer[]): Promise<Uint8Array> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ ...job, id } as BandRequest, transfer);
    });
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

/** Splits [0, rows) into `parts` bands of near-equal size. */
function bands(rows: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < parts; i++) {
    const start = Math.floor((rows * i) / parts);
    const end = Math.floor((rows * (i + 1)) / parts);
    if (end > start) out.push([start, end]);
  }
  return out;
}

export function createBandPool(threads = availableParallelism()): ParallelLoops & { close(): Promise<void> } {
  const helpers: BandThread[] = [];
  const helper = (i: number) => (helpers[i] ??= new BandThread());
  const parts = Math.max(1, threads);

  return {
    async resize(src, width, height, channels, outWidth, outHeight, resample) {
      if (parts === 1 || width * height < BAND_MIN_PIXELS || outHeight < parts * 8) {
        return resizePilRows(src, width, height, channels, outWidth, outHeight, resample, 0, outHeight);
      }
      const rowBands = bands(outHeight, parts);
      const jobs = rowBands.slice(1).map(([rowStart, rowEnd], i) => {
        const [first, end] = sourceRowsFor(height, outHeight, resample, rowStart, rowEnd);
        const part = src.slice(first * width * channels, end * width * channels);
        return helper(i).run({ kind: 'resize', src: part, srcRowOffset: first, width, height, channels, outWidth, outHeight, resample, rowStart, rowEnd }, [
          part.buffer as ArrayBuffer,
        ]);
      });
      const [firstStart, firstEnd] = rowBands[0]!;
      const head = resizePilRows(src, width, height, channels, outWidth, outHeight, resample, firstStart, firstEnd);
      const rest = await Promise.all(jobs);
      const out = new Uint8Array(outWidth * outHeight * channels);
      out.set(head, 0);
      let offset = head.length;
      for (const band of rest) {
        out.set(band, offset);
        offset += band.length;
      }
      return out;
    },

    async upsampleArgmax(logits, classes, height, width, outHeight, outWidth) {
      const out = new Uint8Array(outWidth * outHeight);
      if (parts === 1 || outWidth * outHeight < BAND_MIN_PIXELS || outHeight < parts * 8) {
        return upsampleArgmax(logits, classes, height, width, outHeight, outWidth, { out });
      }
      const rowBands = bands(outHeight, parts);
      const plane = classes * height * width;
      const jobs = rowBands.slice(1).map(([rowStart, rowEnd], i) => {
        const copy = logits.slice(0, plane); // the logits are small (classes x h/4 x w/4): each band gets its own
        return helper(i)
          .run({ kind: 'upsample', logits: copy, classes, height, width, outHeight, outWidth, rowStart, rowEnd }, [copy.buffer as ArrayBuffer])
          .then((band) => out.set(band, rowStart * outWidth));
      });
      upsampleArgmax(logits, classes, height, width, outHeight, outWidth, { out, rows: rowBands[0]! });
      await Promise.all(jobs);
      return out;
    },

    async close() {
      await Promise.all(helpers.map((h) => h.terminate()));
      helpers.length = 0;
    },
  };
}
