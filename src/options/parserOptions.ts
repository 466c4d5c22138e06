/**
 * The options of a parser (how a model is loaded and run), said once: values, defaults, caps and
 * help. The CLI (parse, serve, worker, eval), the service (createServer), the queue's workers and
 * both library entries (src/node, src/web) take them from here; the thread cap and the default
 * session count are functions here, so each front end applies the same rule. Pure (zod only).
 */
import { z } from 'zod';

/** Weights variant of a model folder (onnx/model.onnx, onnx/model_fp16.onnx, onnx/model_quantized.onnx). */
export const variantOption = z
  .enum(['fp32', 'fp16', 'q8'])
  .describe('weights: fp32 onnx/model.onnx, fp16 onnx/model_fp16.onnx, q8 onnx/model_quantized.onnx (default: fp32 for hub ids, else the first present)');
export const VARIANTS = variantOption.options;

/** Inference threads; more than the cores are capped at the core count (cappedThreads). */
export const threadsOption = z.number().int().min(1).describe('inference threads (default: one per core; more than the cores are capped at the core count)');

/**
 * The thread count actually used: more threads than cores only add contention and memory (99999
 * took 3.9 GB and never ended), so they are capped at `cores`. Undefined (the runtime's choice)
 * stays undefined.
 */
export function cappedThreads(threads: number | undefined, cores: number): number | undefined {
  return threads === undefined ? undefined : Math.max(1, Math.min(Math.floor(threads), cores));
}

/** Model sessions: at most MAX_SESSIONS (each holds the model's memory once more). */
export const MAX_SESSIONS = 64;
export const sessionsOption = z
  .number()
  .int()
  .min(1)
  .max(MAX_SESSIONS)
  .describe(
    'model sessions sharing the threads (default: one 1-thread session per core, up to 8, when several photos run at once, where they kept the cores busier than one many-thread session; 1 for a single photo)',
  );
/** Most sessions a default starts (each holds the model's memory once more). */
export const MAX_DEFAULT_SESSIONS = 8;

/**
 * Sessions when the caller gives none, for `runs` model runs that may overlap (photos of a folder,
 * jobs in hand) on `threads` threads: one 1-thread session per run, up to the threads and
 * MAX_DEFAULT_SESSIONS; one session for a single run (lowest latency: it gets every thread) and on
 * CUDA. Several 1-thread sessions kept the cores busier than one many-thread session on a folder
 * (bench/throughput.ts: 1.27x the images/s on a 2-core machine).
 */
export function defaultSessions(runs: number, threads: number, device?: string): number {
  if (runs < 2 || device === 'cuda') return 1;
  return Math.max(1, Math.min(runs, threads, MAX_DEFAULT_SESSIONS));
}

/** Pixel and byte counts: a whole number from 1 to Number.MAX_SAFE_INTEGER (the decoder's range). */
const wholeCount = () => z.number().int().min(1);

/**
 * Largest accepted input in pixels (decompression-bomb guard). It also bounds memory: a CLI parse
 * peaks at about 350 MB + 15 MB per megapixel with the default outputs (bench/memory.ts).
 */
export const maxInputPixelsOption = wholeCount().describe('largest accepted image in pixels (decompression-bomb guard)');
export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;
/** The service's default: below the library's, because a service holds several photos at once (a 40 MP photo). */
export const SERVICE_MAX_INPUT_PIXELS = 40_000_000;

/** Largest file read for a path input (or encoded input in the browser), in bytes. */
export const maxInputBytesOption = wholeCount().describe('largest encoded input in bytes, read before it is decoded');
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024 * 1024;

/**
 * Largest model input of one parse with test-time augmentation, every pass counted (each scale,
 * twice with flip). Default: eight passes of a 512x512 model (e.g. scales 0.75,1,1.25 with flip, or
 * 1,2), which keeps one parse of the embedded model under about 1.3 GiB whatever the scales
 * (src/pipeline/augmentation.ts has the measurements).
 */
export const maxModelPixelsOption = wholeCount().describe(
  'largest model input of one parse in pixels, every pass of scales and flip counted (default 2097152: 8 passes of a 512x512 model)',
);
export const DEFAULT_MAX_MODEL_PIXELS = 8 * 512 * 512;

/** Where the Node library runs the model (the browser's devices are its own: wasm, webgpu). */
export const deviceOption = z.enum(['cpu', 'cuda']).describe("where the model runs: cpu, or cuda (needs onnxruntime-node's CUDA provider)");
export const DEFAULT_DEVICE = 'cpu';

/** onnxruntime's idle threads spinning between operators. */
export const spinningOption = z
  .boolean()
  .describe("let onnxruntime's idle threads spin between operators: about 10% faster on an idle machine, slower when other processes share the cores");
export const DEFAULT_SPINNING = true;
