/** A band thread: computes row bands of the pure pixel loops for bandPool.ts, with the same code as the main thread. */
import { parentPort } from 'node:worker_threads';
import { resizePilRows } from '../../image/resize.js';
import { upsampleArgmax } from '../../postprocess/upsampleArgmax.js';
import type { BandReply, BandRequest } from './bandProtocol.js';

const port = parentPort!;
port.on('message', (request: BandRequest) => {
  try {
    let out: Uint8Array;
    if (request.kind === 'resize') {
      const r = request;
      out = resizePilRows(r.src, r.width, r.height, r.channels, r.outWidth, r.outHeight, r.resample, r.rowStart, r.rowEnd, r.srcRowOffset);
    } else {
      const r = request;
      out = upsampleArgmax(r.logits, r.classes, r.height, r.width, r.outHeight, r.outWidth, { rows: [r.rowStart, r.rowEnd], bandOnly: true });
    }
    port.postMessage({ id: request.id, out } satisfies BandReply, [out.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies BandReply);
  }
});
