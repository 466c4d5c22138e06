/**
 * `faceparse eval`: score a model on a labelled dataset (--data DIR [--model M]), or score existing
 * predictions against ground truth (--pred DIR --gt DIR).
 *
 * The report goes to stdout (a table and the summary line; one JSON object with --json; Markdown with
 * --markdown); progress and notes go to stderr. --report DIR writes pictures and an HTML page. Bad
 * data stops the run with an error naming what is wrong, unless --skip-bad (then skipped samples are
 * listed). Errors are thrown as FaceParseError for the caller of `parseAsync` (src/cli/main.ts) to print.
 */
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { FaceParseError } from '../base/errors.js';
import type { ModelVariant } from '../base/types.js';
import { LABEL_SET_NAMES, LABEL_SETS, type LabelSetName } from '../base/labelSets.js';
import { optionalFromText } from '../options/checkOption.js';
import { DEFAULT_FACES, FACES_MODES, facesOption, flipOption, scalesOption, type FacesMode } from '../options/parseOptions.js';
import { threadsOption, VARIANTS, variantOption } from '../options/parserOptions.js';
import { processIO, type CommandIO } from './io.js';
import { createProgress } from './progress.js';

export interface EvalCommandOptions {
  model?: string;
  variant?: ModelVariant;
  threads?: string;
  flip?: boolean;
  faces?: FacesMode;
  scales?: string;
  data?: string;
  split?: string;
  limit?: string;
  pred?: string;
  gt?: string;
  images?: string;
  labels?: string;
  labelSet?: LabelSetName;
  predLabels?: string;
  ignoreIndex?: string;
  tolerance?: string;
  tolerancePx?: string;
  mergeSides?: boolean;
  json?: boolean;
  markdown?: boolean;
  report?: string;
  worst?: string;
  worstBy?: 'meanF1' | 'meanIoU' | 'boundaryF1' | 'pixelAccuracy';
  skipBad?: boolean;
}

/** The evaluation's own numbers, checked by the one text parser (src/options/checkOption.ts). */
const limitFlag = z.number().int().min(1);
const classIdFlag = z.number().int().min(0).max(255);
const worstFlag = z.number().int().min(0).max(1000);
const toleranceFlag = z.number().positive();

function checkModes(o: EvalCommandOptions): 'model' | 'predictions' {
  const model = o.model !== undefined || o.data !== undefined;
  const predictions = o.pred !== undefined || o.gt !== undefined;
  if (model && predictions) {
    throw new FaceParseError('INVALID_ARGUMENT', 'use either --model with --data (run a model) or --pred with --gt (score predictions), not both.');
  }
  if (predictions) {
    if (o.pred === undefined || o.gt === undefined) {
      throw new FaceParseError('INVALID_ARGUMENT', '--pred and --gt go together: give the predictions folder and the ground-truth folder.');
    }
    for (const [flag, value] of [
      ['--split', o.split],
      ['--variant', o.variant],
      ['--threads', o.threads],
      ['--flip', o.flip || undefined],
      ['--scales', o.scales],
      ['--faces', o.faces],
    ] as const) {
      if (value !== undefined) throw new FaceParseError('INVALID_ARGUMENT', `${flag} applies to --model/--data runs only.`);
    }
    return 'predictions';
  }
  if (o.data === undefined) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      'give --data DIR (and --model M) to run a model on a labelled dataset, or --pred DIR --gt DIR to score existing predictions.',
    );
  }
  if (o.images !== undefined || o.predLabels !== undefined) {
    throw new FaceParseError('INVALID_ARGUMENT', '--images and --pred-labels apply to --pred/--gt runs only (a model reports its own labels).');
  }
  return 'model';
}

/** Runs the command; exported for tests. Resolves when the report is written. */
export async function runEval(o: EvalCommandOptions, io: CommandIO = processIO()): Promise<void> {
  const mode = checkModes(o);
  if (o.json && o.markdown) throw new FaceParseError('INVALID_ARGUMENT', 'choose one of --json and --markdown.');
  const limit = optionalFromText(limitFlag, o.limit, '--limit');
  const threads = optionalFromText(threadsOption, o.threads, '--threads');
  const ignoreIndex = optionalFromText(classIdFlag, o.ignoreIndex, '--ignore-index');
  const worst = optionalFromText(worstFlag, o.worst, '--worst') ?? 8;
  const toleranceFraction = optionalFromText(toleranceFlag, o.tolerance, '--tolerance');
  const tolerancePixels = optionalFromText(toleranceFlag, o.tolerancePx, '--tolerance-px');
  const scales = optionalFromText(scalesOption, o.scales, '--scales');
  // A --report that cannot be written fails now, not after the whole scoring.
  if (o.report !== undefined) await (await import('../node/outputPlan.js')).prepareOutDir(o.report, '--report');

  // Lazy: `faceparse --help` and other commands never load the evaluation code.
  const [{ resolveLabelSet }, { openDataset }, { openPredictionFolders }, { evaluate }, sources, text] = await Promise.all([
    import('../datasets/labelSets.js'),
    import('../datasets/openDataset.js'),
    import('../datasets/predictionFolders.js'),
    import('../eval/runner.js'),
    import('../eval/sources.js'),
    import('../eval/report/text.js'),
  ]);
  if (o.labels !== undefined && o.labelSet !== undefined) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      "--label-set and --labels both name the ground truth's classes: give one (--label-set for a known set, --labels for any other list).",
    );
  }
  // --label-set S: the ground truth is in S; the model's (or --pred's) classes are mapped into S (docs/label-sets.md).
  const labels = o.labelSet !== undefined ? [...LABEL_SETS[o.labelSet].labels] : o.labels !== undefined ? await resolveLabelSet(o.labels) : undefined;

  let samples;
  let datasetLabels: readonly string[];
  let close = async () => {};
  if (mode === 'predictions') {
    datasetLabels = labels ?? (await resolveLabelSet('celebamask-hq'));
    const pairs = await openPredictionFolders(o.pred!, o.gt!, { imagesDir: o.images });
    const predictionLabels = o.predLabels !== undefined ? await resolveLabelSet(o.predLabels) : undefined;
    samples = sources.predictionFolderSamples(pairs, { labels: datasetLabels, predictionLabels });
  } else {
    const dataset = await openDataset(o.data!, { split: o.split, labels });
    datasetLabels = dataset.labels;
    const { createModelPredictor } = await import('../eval/modelPredictor.js');
    const predictor = await createModelPredictor({ model: o.model, variant: o.variant, threads, flip: o.flip === true, scales, faces: o.faces });
    close = predictor.close;
    const augmentation = [o.flip ? 'flip' : '', scales ? `scales ${scales.join(',')}` : ''].filter(Boolean).join(' and ');
    io.stderr.write(
      `eval: ${predictor.model}${augmentation ? ` with ${augmentation} test-time augmentation` : ''} on ${dataset.root} (${dataset.layout}, ${dataset.samples.length} images), faces ${o.faces ?? DEFAULT_FACES}\n`,
    );
    samples = sources.modelSamples(dataset, predictor.predict);
  }
  if (limit !== undefined) samples = samples.slice(0, limit);

  const progress = createProgress(samples.length, io, { label: 'eval' });
  let result;
  try {
    result = await evaluate(samples, {
      labels: datasetLabels,
      ignoreIndex,
      toleranceFraction,
      tolerancePixels,
      mergeSides: o.mergeSides === true,
      worst: o.report !== undefined ? worst : 0,
      worstBy: o.worstBy,
      skipBad: o.skipBad === true,
      onProgress: (done, total, id) => progress.tick(id, `eval: ${done}/${total} ${id}`),
    });
  } finally {
    progress.stop();
    await close();
  }
  if (result.images === 0) {
    throw new FaceParseError('DATASET_INVALID', `no sample could be scored (${result.skipped.length} skipped): see the reasons above.`);
  }

  if (o.json) io.stdout(JSON.stringify(text.toJsonReport(result)) + '\n');
  else if (o.markdown) io.stdout(text.formatMarkdown(result));
  else io.stdout(text.formatTable(result));
  if (result.skipped.length > 0 && (o.json || o.markdown)) {
    io.stderr.write(`eval: skipped ${result.skipped.length} bad sample(s); they are listed in the report.\n`);
  }
  if (o.report !== undefined) {
    const { writeReport } = await import('../eval/report/writeReport.js');
    const written = await writeReport(result, o.report, { ignoreIndex });
    io.stderr.write(`eval: report written to ${written.files[0]} (${written.files.length} files)\n`);
  }
}

export function registerEvalCommand(program: Command, io: CommandIO = processIO()): void {
  program
    .command('eval')
    .description('score a model on a labelled dataset, or existing predictions against ground truth: pixel accuracy, mIoU, F1, boundary F1')
    .option('--model <model>', '[string] model to run on --data: hub id owner/name[@revision] or model folder (default: the embedded face-parsing-mini)')
    .addOption(new Option('--variant <variant>', `[string] ${variantOption.description}`).choices(VARIANTS))
    .option('--threads <n>', `[number] ${threadsOption.description}`)
    .option('--flip', `${flipOption.description} (default: false)`)
    .addOption(new Option('--faces <mode>', `[string] ${facesOption.description} (default: ${DEFAULT_FACES})`).choices(FACES_MODES))
    .option('--scales <list>', `[list] ${scalesOption.description} (default: 1)`)
    .option('--data <dir>', '[dir] labelled dataset: images/ + masks/, <split>/images/ + <split>/masks/, or the CelebAMask-HQ release')
    .option('--split <name>', '[string] dataset split (default: DIR itself if it has images/, else val/; CelebAMask-HQ: all)')
    .option('--limit <n>', '[number] score only the first N samples, by name (default: all)')
    .option('--pred <dir>', '[dir] predicted label maps, PNG values = class ids (with --gt)')
    .option('--gt <dir>', '[dir] ground-truth label maps with the same file names (with --pred)')
    .option('--images <dir>', '[dir] photos with the same names, for the report gallery (with --pred)')
    .option('--labels <set>', '[string] ground-truth classes: celebamask, lapa, mediapipe, bisenet, a comma list or a file (default: celebamask)')
    .addOption(
      new Option(
        '--label-set <set>',
        "[string] score in this label set: the ground truth is in its ids, and the model's (or --pred's) classes are mapped into it (docs/label-sets.md)",
      ).choices([...LABEL_SET_NAMES]),
    )
    .option('--pred-labels <set>', '[string] class order of the --pred maps when it differs; matched by name (default: --labels)')
    .option('--ignore-index <id>', '[number] ground-truth id left unscored, e.g. 255 (default: none)')
    .option('--tolerance <fraction>', '[number] boundary F1 tolerance, fraction of the image diagonal (default: 0.0075)')
    .option('--tolerance-px <pixels>', '[number] boundary F1 tolerance in pixels; overrides --tolerance')
    .option('--merge-sides', 'also score with left/right eye, brow and ear merged (default: false)')
    .option('--json', 'print one JSON object on stdout (default: a table)')
    .option('--markdown', 'print a Markdown report on stdout (default: a table)')
    .option('--report <dir>', '[dir] write confusion matrix, F1 chart, worst-image gallery (PNG) and index.html')
    .option('--worst <n>', '[number] images in the report gallery (default: 8)')
    .addOption(
      new Option('--worst-by <score>', '[string] how the gallery ranks images (default: meanF1)').choices(['meanF1', 'meanIoU', 'boundaryF1', 'pixelAccuracy']),
    )
    .option('--skip-bad', 'go on past bad samples and list them (default: stop at the first)')
    .action(async (options: EvalCommandOptions) => runEval(options, io));
}
