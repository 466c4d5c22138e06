/**
 * `faceparse parse <files|folders|globs...>`: label every photo, write the chosen outputs, keep
 * going past bad files (each is reported) and exit non-zero when any failed.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { optionalFromText, optionFromText } from '../options/checkOption.js';
import {
  alphaOption,
  DEFAULT_ALPHA,
  DEFAULT_FACES,
  DEFAULT_OUTPUTS,
  FACES_MODES,
  facesOption,
  flipOption,
  type FacesMode,
  OUTPUT_KINDS,
  type OutputKind,
  outputsOption,
  scalesOption,
} from '../options/parseOptions.js';
import { defaultSessions, sessionsOption } from '../options/parserOptions.js';
import { parseOutputKinds } from '../outputs/kinds.js';
import { progressReporter } from './downloadProgress.js';
import { expandInputs } from '../node/inputs.js';
import { processIO, type CommandIO } from './io.js';
import { addModelFlags, type ModelFlags, modelFlagOptions } from './modelFlags.js';
import { prepareOutDir, refuseOutputsOnInputs, removeIfUnused } from '../node/outputPlan.js';
import { createProgress } from './progress.js';
import { addRegionOptions, regionChoices, type RegionFlags } from './regionOptions.js';
import { checkRegionsForModel } from '../masks/regions.js';

export { OUTPUT_KINDS, type OutputKind };

interface ParseFlags extends RegionFlags, ModelFlags {
  out: string;
  outputs: string;
  sessions?: string;
  flip?: boolean;
  faces?: FacesMode;
  scales?: string;
  alpha: string;
  quiet?: boolean;
}

export function parseOutputs(value: string): OutputKind[] {
  return parseOutputKinds(value, '--outputs');
}

export function registerParseCommand(program: Command, io: CommandIO = processIO()): void {
  const command = program
    .command('parse')
    .description('label every pixel of face photos (skin, nose, eyes, brows, ears, lips, mouth, hair, hat, glasses, earrings, necklace, neck, cloth)')
    .argument('<inputs...>', 'image files, folders (searched recursively) or glob patterns')
    .option('-o, --out <dir>', 'output folder', 'faceparse-output')
    .option('--outputs <list>', outputsOption.description, DEFAULT_OUTPUTS.join(','))
    .option('--alpha <0..1>', alphaOption.description, String(DEFAULT_ALPHA))
    .addOption(new Option('--faces <mode>', facesOption.description).choices(FACES_MODES).default(DEFAULT_FACES))
    .option('--flip', flipOption.description)
    .option('--scales <list>', scalesOption.description)
    .option('--sessions <n>', sessionsOption.description)
    .option('-q, --quiet', 'print only errors and the summary');
  addModelFlags(command, { model: 'hub id owner/name[@revision] or model folder (default: the embedded face-parsing-mini)' });
  addRegionOptions(command).action(async (inputs: string[], flags: ParseFlags) => {
    const failures = await runParse(inputs, flags, io);
    if (failures > 0) process.exitCode = 1;
  });
}

/** Returns the number of inputs that failed. */
export async function runParse(inputs: string[], flags: ParseFlags, io: CommandIO): Promise<number> {
  const { outputs, choices } = regionChoices(flags, parseOutputs(flags.outputs));
  const alpha = optionFromText(alphaOption, flags.alpha, '--alpha');
  const say = (line: string) => void io.stderr.write(line + '\n');
  const model = modelFlagOptions(flags, say);
  const scales = optionalFromText(scalesOption, flags.scales, '--scales');
  const requestedSessions = optionalFromText(sessionsOption, flags.sessions, '--sessions');
  // The output folder is checked (and created) before anything is read or loaded: a file or an
  // unwritable folder is one error line, not a failure after the model has loaded.
  const outDir = await prepareOutDir(flags.out);
  try {
    return await parseInto(outDir.real, inputs, flags, io, {
      outputs,
      choices,
      alpha,
      say,
      model,
      scales,
      requestedSessions,
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
  /** The parser options of the model flags (src/cli/modelFlags.ts). */
  model: ReturnType<typeof modelFlagOptions>;
  scales: number[] | undefined;
  requestedSessions: number | undefined;
}

async function parseInto(outReal: string, inputs: string[], flags: ParseFlags, io: CommandIO, settings: ParseSettings): Promise<number> {
  const { outputs, choices, alpha, say, model, scales, requestedSessions } = settings;
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
    ...model,
    sessions: requestedSessions ?? defaultSessions(files.length, model.threads ?? availableParallelism(), model.device),
    onProgress: downloads?.onProgress,
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
