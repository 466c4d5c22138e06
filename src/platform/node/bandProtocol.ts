/** Messages between the main thread and the band threads (bandWorker.ts). */
export type BandRequest =
  | {
      kind: 'resize';
      id: number;
      /** Source rows from srcRowOffset on. */
      src: Uint8Array;
      srcRowOffset: number;
      width: number;
      height: number;
      channels: number;
      outWidth: number;
      outHeight: number;
      resample: number;
      rowStart: number;
      rowEnd: number;
    }
  | {
      kind: 'upsample';
      id: number;
      logits: Float32Array;
      classes: number;
      height: number;
      width: number;
      outHeight: number;
      outWidth: number;
      rowStart: number;
      rowEnd: number;
    };

export type BandReply = { id: number; out?: Uint8Array; error?: string };
