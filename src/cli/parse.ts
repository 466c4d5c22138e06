/**
 * `faceparse parse <files|folders|globs...>`: label every photo, write the chosen outputs, keep
 * going past bad files (each is reported) and exit non-zero when any failed.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { FaceParseError } from '../base/errors.js';
import type { ModelVariant } from '../base/types.js';
import { alphaOption, DEFAULT_ALPHA, DEFAULT_FACES, FACES_MODES, facesOption, flipOption, type FacesMode } from '../options/parseOptions.js';
import { DEFAULT_OUTPUTS, OUTPUT_KINDS, parseOutputKinds, type OutputKind } from '../outputs/kinds.js';
import { progressReporter } from './downloadProgress.js';
import { expandInputs } from '../node/inputs.js';
import { processIO, type CommandIO } from './io.js';
import { HUB_TIMEOUT_HELP, hubTimeoutOption } from './models.js';
import { parseScaleList } from '../pipeline/optionText.js';
import { prepareOutDir, refuseOutputsOnInputs, removeIfUnused } from '../node/outputPlan.js';
import { createProgress } from './progress.js';
import { addRegionOptions, regionChoices, type RegionFlags } from './regionOptions.js';
import { checkRegionsForModel } from '../masks/regions.js';

export { OUTPUT_KINDS, type OutputKind };

interface ParseFlags extends RegionFlags {
  model?: string;
  variant?: ModelVariant;
  out: string;
  outputs: string;
  threads?: string;
  sessions?: string;
  device?: 'cpu' | 'cuda';
  spinning: boolean;
  flip?: boolean;
  faces?: FacesMode;
  scales?: string;
  alpha: string;
  maxPixels?: string;
  maxModelPixels?: string;
  revision?: string;
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  offline?: boolean;
  quiet?: boolean;
  hubTimeout?: string;
}

export function parseOutputs(value: string): OutputKind[] {
  return parseOutputKinds(value, '--outputs');
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value)))
    throw new FaceParseError('INVALID_ARGUMENT', `${flag} must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, got "${value}"`);
  return Number(value);
}

function fraction(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new FaceParseError('INVALID_ARGUMENT', `${flag} must be a number from 0 to 1, got "${value}"`);
  return n;
}

export function registerParseCommand(program: Command, io: CommandIO = processIO()): void {
  const command = program
    .command('parse')
    .description('label every pixel of face photos (skin, nose, eyes, brows, ears, lips, mouth, hair, hat, glasses, earrings, necklace, neck, cloth)')
    .argument('<inputs...>', 'image files, folders (searched recursively) or glob patterns')
    .option('-m, --model <id|path>', 'hub id owner/name[@revision] or model folder (default: the embedded face-parsing-mini)')
    .addOption(
      new Option(
        '--variant <variant>',
        'weights: fp32 onnx/model.onnx, fp16 onnx/model_fp16.onnx, q8 onnx/model_quantized.onnx (default: fp32 for hub ids, else the first present)',
      ).choices(['fp32', 'fp16', 'q8']),
    )
    .option('-o, --out <dir>', 'output folder', 'faceparse-output')
    .option('--outputs <list>', `comma-separated: ${OUTPUT_KINDS.join(',')}`, DEFAULT_OUTPUTS.join(','))
    .option('--alpha <0..1>', alphaOption.description, String(DEFAULT_ALPHA))
    .option('-t, --threads <n>', 'inference threads (default: one per core)')
    .option(
      '--sessions <n>',
      'model sessions sharing the threads (default: one per core for several photos, where they kept the cores busier than one many-thread session; 1 for a single photo)',
    )
    .addOption(new Option('--device <device>', 'where the model runs').choices(['cpu', 'cuda']).default('cpu'))
    .addOption(new Option('--faces <mode>', facesOption.description).choices(FACES_MODES).default(DEFAULT_FACES))
    .option('--flip', flipOption.description)
    .option(
      '--scales <list>',
      'multi-scale test-time augmentation: also run each photo at these multiples of the model input size and average the logits, e.g. 0.75,1,1.25 (must include 1; about 3x the inference time for that list)',
    )
    .option('--no-spinning', "let onnxruntime's idle threads sleep between operators (faster when other processes share the cores)")
    .option('--max-pixels <n>', 'largest accepted image in pixels (decompression-bomb guard)', String(100_000_000))
    .option(
      '--max-model-pixels <n>',
      'largest model input of one parse in pixels, every pass of --scales and --flip counted (default 2097152: 8 passes of a 512x512 model)',
    )
    .option('--revision <rev>', 'hub revision when the id has no @revision (default: main)')
    .option('--cache-dir <dir>', 'hub cache (default: HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub)')
    .option('--endpoint <url>', 'hub endpoint (default: HF_ENDPOINT or https://huggingface.co)')
    .option('--token <token>', 'hub token for private or gated models (default: HF_TOKEN)')
    .option('--offline', 'never use the network (also HF_HUB_OFFLINE=1)')
    .option('--hub-timeout <seconds>', HUB_TIMEOUT_HELP)
    .option('-q, --quiet', 'print only errors and the summary');
  addRegionOptions(command).action(async (inputs: string[], flags: ParseFlags) => {
    const failures = await runParse(inputs, flags, io);
    if (failures > 0) process.exitCode = 1;
  });
}

/**
 * Sessions for a run of `photos` photos: several 1-thread sessions keep the cores busier than one
 * many-thread session on a folder (bench/throughput.ts: 1.1x on a quiet 2-core machine, more when
 * other processes share the cores); a single photo gets one session with every thread (lowest latency).
 */
export function defaultSessions(photos: number, threads: number | undefined, device: string | undefined): number {
  if (photos < 2 || device === 'cuda') return 1;
  const cores = threads ?? availableParallelism();
  return Math.max(1, Math.min(cores, photos, 8));
}

/** Returns the number of inputs that failed. */
export async function runParse(inputs: string[], flags: ParseFlags, io: CommandIO): Promise<number> {
  const { outputs, choices } = regionChoices(flags, parseOutputs(flags.outputs));
  const alpha = fraction(flags.alpha, '--alpha');
  const say = (line: string) => void io.stderr.write(line + '\n');
  const threads = cappedThreads(positiveInt(flags.threads, '--threads'), say);
  const maxInputPixels = positiveInt(flags.maxPixels, '--max-pixels');
  const maxModelPixels = positiveInt(flags.maxModelPixels, '--max-model-pixels');
  const scales = flags.scales === undefined ? undefined : parseScaleList(flags.scales, '--scales');
  const requestedSessions = positiveInt(flags.sessions, '--sessions');
  const network = hubTimeoutOption(flags.hubTimeout);
  // The output folder is checked (and created) before anything is read or loaded: a file or an
  // unwritable folder is one error line, not a failure after the model has loaded.
  const outDir = await prepareOutDir(flags.out);
  try {
    return await parseInto(outDir.real, inputs, flags, io, {
      outputs,
      choices,
      alpha,
      say,
      threads,
      maxInputPixels,
      maxModelPixels,
      scales,
      requestedSessions,
      network,
    });
  } finally {
    // A run that wrote nothing leaves no empty output folder (only folders it created, only while empty).
    await removeIfUnused(flags.out, outDir);
  }
}

/** The flags of `parse`, checked and converted. */
interface ParseSettings {
  outputs: OutputKind[];
  choices: ReturnType<typeof regionChoices>['choices'];
  alpha: number;
  say: (line: string) => void;
  threads: number | undefined;
  maxInputPixels: number | undefined;
  maxModelPixels: number | undefined;
  scales: number[] | undefined;
  requestedSessions: number | undefined;
  network: ReturnType<typeof hubTimeoutOption>;
}

async function parseInto(outReal: string, inputs: string[], flags: ParseFlags, io: CommandIO, settings: ParseSettings): Promise<number> {
  const { outputs, choices, alpha, say, threads, maxInputPixels, maxModelPixels, scales, requestedSessions, network } = settings;
  const expanded = await expandInputs(inputs, { skip: [{ dir: outReal, why: 'it is the --out folder (its outputs are not parsed again)' }] });
  const planned = await refuseOutputsOnInputs(expanded.files, outReal, outputs);
  const files = planned.files;
  const problems = [...expanded.problems, ...planned.problems];
  const started = performance.now();
  if (!flags.quiet) for (const note of expanded.notes) say(`note: ${note}`);
  for (const p of problems) say(`error: ${p.message}`);
  if (files.length === 0) {
    say('error: nothing to parse');
    return Math.max(1, problems.length);
  }
  const downloads = flags.quiet ? undefined : progressReporter(io);
  // Loaded here, not at the top: `faceparse --help` and the other commands never load the pipeline's native code.
  const [{ FaceParser }, { writeOutputs }] = await Promise.all([import('../node/faceParser.js'), import('../node/writeOutputs.js')]);
  const parser = await FaceParser.create({
    model: flags.model,
    variant: flags.variant,
    threads,
    sessions: requestedSessions ?? defaultSessions(files.length, threads, flags.device),
    device: flags.device,
    spinning: flags.spinning,
    maxInputPixels,
    maxModelPixels,
    revision: flags.revision,
    cacheDir: flags.cacheDir,
    endpoint: flags.endpoint,
    token: flags.token,
    offline: flags.offline,
    onProgress: downloads?.onProgress,
    ...network,
  }).finally(() => downloads?.done());
  try {
    checkRegionsForModel(parser.labels, choices.regions, choices.labelSet, '--region');
  } catch (error) {
    await parser.close();
    throw error;
  }
  let failed = problems.length;
  let done = 0;
  const progress = createProgress(files.length, io, { quiet: flags.quiet });
  try {
    const keepLogits = outputs.includes('confidence');
    for await (const item of parser.parseEach(
      files.map((f) => f.path),
      { keepLogits, flip: flags.flip === true, scales, faces: flags.faces, labelSet: choices.labelSet },
    )) {
      const file = files[item.index]!;
      if (item.error || !item.result) {
        failed++;
        progress.error(`error: ${item.error?.message ?? 'unknown failure'}`);
        progress.tick(file.path, '');
        continue;
      }
      try {
        const { encodeMs } = await writeOutputs(item.result, { out: flags.out, stem: file.stem, kinds: outputs, alpha, input: file.path, ...choices });
        done++;
        const t = item.result.timings;
        const total = t.decode + (t.detect ?? 0) + t.preprocess + t.inference + t.postprocess + encodeMs;
        const r = item.result;
        const faces = `${r.faces.length} face${r.faces.length === 1 ? '' : 's'}`;
        const how =
          r.parsedAs === 'photo'
            ? r.faces.length > 0
              ? `whole photo, ${faces}`
              : 'whole photo'
            : r.faces.length === 0
              ? 'no face found: all background'
              : faces;
        progress.tick(file.path, `ok ${file.path} -> ${join(flags.out, file.stem)}.* (${how}, ${Math.round(total)} ms)`);
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
  const notPhotos = expanded.notPhotos.length;
  say(
    `parsed ${done} of ${files.length + problems.length} input${files.length + problems.length === 1 ? '' : 's'} with ${parser.model} (${parser.variant}) in ${seconds.toFixed(1)} s` +
      (failed ? `; ${failed} failed` : '') +
      (notPhotos
        ? `; ${notPhotos} file${notPhotos === 1 ? '' : 's'} that ${notPhotos === 1 ? 'is' : 'are'} not ${notPhotos === 1 ? 'a photo' : 'photos'} skipped`
        : '') +
      (done > 0 ? ` -> ${flags.out}` : ''),
  );
  return failed;
}

/** `--threads` above the core count only adds contention (and memory per thread): capped, with a warning. */
function cappedThreads(threads: number | undefined, say: (line: string) => void): number | undefined {
  if (threads === undefined) return undefined;
  const cores = availableParallelism();
  if (threads <= cores) return threads;
  say(`warning: --threads ${threads} is more than the ${cores} cores of this machine; using ${cores}`);
  return cores;
}
