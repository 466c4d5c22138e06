/**
 * `faceparse parse <files|folders|globs...>`: label every photo, write the chosen outputs, keep
 * going past bad files (each is reported) and exit non-zero when any failed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import sharp from 'sharp';
import { FaceParseError } from '../base/errors.js';
import { FaceParser } from '../pipeline/faceParser.js';
import type { ParseResult } from '../pipeline/result.js';
import type { ModelVariant } from '../base/types.js';
import { parseScaleList } from '../postprocess/multiscale.js';
import { expandInputs, type InputFile } from './inputs.js';
import { createProgress, interactive, type ProgressIO } from './progress.js';

export const OUTPUT_KINDS = ['labels', 'color', 'overlay', 'masks', 'json', 'confidence'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];
const DEFAULT_OUTPUTS: OutputKind[] = ['labels', 'color', 'overlay', 'json'];

export interface ParseCommandIO extends ProgressIO {
  stdout: (text: string) => void;
}

interface ParseFlags {
  model?: string;
  variant?: ModelVariant;
  out: string;
  outputs: string;
  threads?: string;
  device?: 'cpu' | 'cuda';
  spinning: boolean;
  flip?: boolean;
  scales?: string;
  alpha: string;
  maxPixels?: string;
  revision?: string;
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  offline?: boolean;
  quiet?: boolean;
}

export function parseOutputs(value: string): OutputKind[] {
  const kinds = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !(OUTPUT_KINDS as readonly string[]).includes(k));
  if (unknown.length || kinds.length === 0) {
    throw new FaceParseError('INVALID_ARGUMENT', `--outputs ${JSON.stringify(value)}: unknown ${unknown.join(', ') || '(empty)'}; choose from ${OUTPUT_KINDS.join(',')}`);
  }
  return [...new Set(kinds)] as OutputKind[];
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new FaceParseError('INVALID_ARGUMENT', `${flag} must be a whole number >= 1, got "${value}"`);
  return Number(value);
}

function fraction(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new FaceParseError('INVALID_ARGUMENT', `${flag} must be a number from 0 to 1, got "${value}"`);
  return n;
}

/** Writes the asked-for outputs of one result; returns the files written. */
export async function writeOutputs(result: ParseResult, file: InputFile, out: string, outputs: readonly OutputKind[], alpha: number): Promise<{ files: string[]; encodeMs: number }> {
  const base = join(out, file.stem);
  await mkdir(dirname(base), { recursive: true });
  const t0 = performance.now();
  const files: string[] = [];
  const write = async (path: string, data: Uint8Array | string) => {
    await writeFile(path, data);
    files.push(path);
  };
  const jobs: Array<Promise<void>> = [];
  if (outputs.includes('labels')) jobs.push(result.toLabelPng().then((png) => write(`${base}.labels.png`, png)));
  if (outputs.includes('color')) jobs.push(result.toColorPng().then((png) => write(`${base}.color.png`, png)));
  if (outputs.includes('overlay')) jobs.push(result.toOverlay({ alpha }).then((png) => write(`${base}.overlay.png`, png)));
  if (outputs.includes('confidence')) {
    const confidence = result.confidenceMask();
    const grey = new Uint8Array(confidence.length);
    for (let i = 0; i < grey.length; i++) grey[i] = Math.round(confidence[i]! * 255);
    jobs.push(
      sharp(grey, { raw: { width: result.width, height: result.height, channels: 1 } })
        .toColourspace('b-w') // sharp writes one-channel raw input as RGB otherwise
        .png({ compressionLevel: 2 })
        .toBuffer()
        .then((png) => write(`${base}.confidence.png`, png)),
    );
  }
  if (outputs.includes('masks')) {
    jobs.push(
      (async () => {
        const masks = await result.toClassMasks();
        await mkdir(`${base}.masks`, { recursive: true });
        await Promise.all(masks.map((m) => write(join(`${base}.masks`, `${m.label.replace(/[^A-Za-z0-9._-]/g, '_')}.png`), m.png)));
      })(),
    );
  }
  await Promise.all(jobs);
  const encodeMs = performance.now() - t0;
  if (outputs.includes('json')) {
    const json = { input: file.path, ...result.toJSON(), timings: { ...result.timings, encode: encodeMs } };
    await write(`${base}.json`, JSON.stringify(json, null, 2) + '\n');
  }
  return { files, encodeMs };
}

export function registerParseCommand(program: Command, io: ParseCommandIO = defaultIO()): void {
  program
    .command('parse')
    .description('label every pixel of face photos (skin, nose, eyes, brows, ears, lips, mouth, hair, hat, glasses, earrings, necklace, neck, cloth)')
    .argument('<inputs...>', 'image files, folders (searched recursively) or glob patterns')
    .option('-m, --model <id|path>', 'hub id owner/name[@revision] or model folder (default: the embedded face-parsing-mini)')
    .addOption(new Option('--variant <variant>', 'weights: fp32 onnx/model.onnx, fp16 onnx/model_fp16.onnx, q8 onnx/model_quantized.onnx (default: fp32 for hub ids, else the first present)').choices(['fp32', 'fp16', 'q8']))
    .option('-o, --out <dir>', 'output folder', 'faceparse-output')
    .option('--outputs <list>', `comma-separated: ${OUTPUT_KINDS.join(',')}`, DEFAULT_OUTPUTS.join(','))
    .option('--alpha <0..1>', 'overlay opacity of the label colours', '0.5')
    .option('-t, --threads <n>', 'inference threads (default: one per core)')
    .addOption(new Option('--device <device>', 'where the model runs').choices(['cpu', 'cuda']).default('cpu'))
    .option('--flip', 'also run each photo mirrored and average the logits: a little more accurate, about 2x the inference time')
    .option('--scales <list>', 'multi-scale test-time augmentation: also run each photo at these multiples of the model input size and average the logits, e.g. 0.75,1,1.25 (must include 1; about 3x the inference time for that list)')
    .option('--no-spinning', "let onnxruntime's idle threads sleep between operators (faster when other processes share the cores)")
    .option('--max-pixels <n>', 'largest accepted image in pixels (decompression-bomb guard)', String(100_000_000))
    .option('--revision <rev>', 'hub revision when the id has no @revision (default: main)')
    .option('--cache-dir <dir>', 'hub cache (default: HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub)')
    .option('--endpoint <url>', 'hub endpoint (default: HF_ENDPOINT or https://huggingface.co)')
    .option('--token <token>', 'hub token for private or gated models (default: HF_TOKEN)')
    .option('--offline', 'never use the network (also HF_HUB_OFFLINE=1)')
    .option('-q, --quiet', 'print only errors and the summary')
    .action(async (inputs: string[], flags: ParseFlags) => {
      const failures = await runParse(inputs, flags, io);
      if (failures > 0) process.exitCode = 1;
    });
}

function defaultIO(): ParseCommandIO {
  return { stdout: (text) => void process.stdout.write(text), stderr: process.stderr, env: process.env };
}

/** Returns the number of inputs that failed. */
export async function runParse(inputs: string[], flags: ParseFlags, io: ParseCommandIO): Promise<number> {
  const outputs = parseOutputs(flags.outputs);
  const alpha = fraction(flags.alpha, '--alpha');
  const threads = positiveInt(flags.threads, '--threads');
  const maxInputPixels = positiveInt(flags.maxPixels, '--max-pixels');
  const scales = flags.scales === undefined ? undefined : parseScaleList(flags.scales, '--scales');
  const { files, problems } = await expandInputs(inputs);
  const started = performance.now();
  const say = (line: string) => void io.stderr.write(line + '\n');
  for (const p of problems) say(`error: ${p.message}`);
  if (files.length === 0) {
    say('error: nothing to parse');
    return Math.max(1, problems.length);
  }
  const parser = await FaceParser.create({
    model: flags.model,
    variant: flags.variant,
    threads,
    device: flags.device,
    spinning: flags.spinning,
    maxInputPixels,
    revision: flags.revision,
    cacheDir: flags.cacheDir,
    endpoint: flags.endpoint,
    token: flags.token,
    offline: flags.offline,
    onProgress: interactive(io) && !flags.quiet ? downloadReporter(io) : undefined,
  });
  let failed = problems.length;
  let done = 0;
  const progress = createProgress(files.length, io, { quiet: flags.quiet });
  try {
    await mkdir(flags.out, { recursive: true });
    const keepLogits = outputs.includes('confidence');
    for await (const item of parser.parseEach(files.map((f) => f.path), { keepLogits, flip: flags.flip === true, scales })) {
      const file = files[item.index]!;
      if (item.error || !item.result) {
        failed++;
        progress.error(`error: ${item.error?.message ?? 'unknown failure'}`);
        progress.tick(file.path, '');
        continue;
      }
      try {
        const { encodeMs } = await writeOutputs(item.result, file, flags.out, outputs, alpha);
        done++;
        const t = item.result.timings;
        const total = t.decode + t.preprocess + t.inference + t.postprocess + encodeMs;
        progress.tick(file.path, `ok ${file.path} -> ${join(flags.out, file.stem)}.* (${Math.round(total)} ms)`);
      } catch (error) {
        failed++;
        progress.error(`error: writing the outputs of ${file.path} failed: ${(error as Error).message}`);
        progress.tick(file.path, '');
      }
    }
  } finally {
    progress.stop();
    await parser.close();
  }
  const seconds = (performance.now() - started) / 1000;
  say(`parsed ${done} of ${files.length + problems.length} input${files.length + problems.length === 1 ? '' : 's'} with ${parser.model} (${parser.variant}) in ${seconds.toFixed(1)} s` + (failed ? `; ${failed} failed` : '') + ` -> ${flags.out}`);
  return failed;
}

function downloadReporter(io: ProgressIO) {
  let last = '';
  return (event: { file: string; loaded: number; total?: number }) => {
    const pct = event.total ? ` ${Math.floor((event.loaded / event.total) * 100)}%` : '';
    const line = `downloading ${event.file}${pct}`;
    if (line !== last) io.stderr.write(`\r${line}`);
    last = line;
    if (event.total && event.loaded >= event.total) io.stderr.write('\n');
  };
}
