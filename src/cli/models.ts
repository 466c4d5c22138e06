/**
 * `faceparse models list|pull|info`: what is cached, download a hub model, describe a model.
 *
 * Results go to stdout (one folder for `pull`, JSON with `--json`); progress and notes go to
 * stderr: a bar when stderr is a terminal and `CI` is unset, plain lines otherwise. Errors are
 * thrown as FaceParseError for the caller of `parseAsync` (src/cli/main.ts) to print.
 */
import { type Command, Option } from 'commander';
import { FaceParseError } from '../base/errors.js';
import { parseModelId } from '../hub/ids.js';
import { modelInfo, type ModelInfo } from '../hub/info.js';
import { listModels, type ListedVariant, type ModelList } from '../hub/list.js';
import { resolveModel, type HubOptions, type ResolvedModel } from '../hub/resolve.js';
import { VARIANTS, type ModelVariant } from '../hub/files.js';
import { resolveOffline } from '../hub/config.js';
import { formatBytes, progressReporter } from './downloadProgress.js';
import { addHubFlags, hubOptions, type HubFlags as SharedHubFlags } from './modelFlags.js';
import { processIO, type CommandIO } from './io.js';

export { formatBytes, progressReporter };

interface HubFlags extends SharedHubFlags {
  json?: boolean;
}

function variantList(variants: ListedVariant[]): string {
  return variants.length === 0 ? 'no ONNX weights' : variants.map((v) => `${v.variant} ${formatBytes(v.size)}`).join(', ');
}

function renderList(list: ModelList): string {
  const lines: string[] = [];
  lines.push(`built-in model: ${list.default.dir}`);
  lines.push(list.default.present ? `  ${variantList(list.default.variants)}` : '  (missing: pass --model with a folder or a hub id)');
  lines.push(`cache: ${list.cacheDir}`);
  if (list.models.length === 0) lines.push('  no models cached; download one with `faceparse models pull owner/name`');
  for (const model of list.models) {
    lines.push(`  ${model.id}  ${formatBytes(model.sizeOnDisk)} on disk`);
    for (const rev of model.revisions) {
      const refs = rev.refs.length > 0 ? rev.refs.join(', ') : '(no branch)';
      lines.push(`    ${refs} -> ${rev.commit.slice(0, 12)}  ${variantList(rev.variants)}${rev.complete ? '' : '  (incomplete: no config)'}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function renderInfo(info: ModelInfo): string {
  const lines: string[] = [];
  const where = info.id ? `${info.id}@${info.revision} (commit ${info.commit})` : info.dir;
  lines.push(`model: ${where}`);
  if (info.id) lines.push(`folder: ${info.dir}`);
  lines.push(`type: ${info.modelType ?? '?'}${info.architectures?.length ? ` (${info.architectures.join(', ')})` : ''}`);
  lines.push(
    `labels (${info.numLabels}): ${Object.entries(info.id2label)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  if (info.hiddenSizes || info.depths) {
    lines.push(
      `encoder: hidden sizes ${info.hiddenSizes?.join(', ') ?? '?'}; depths ${info.depths?.join(', ') ?? '?'}` +
        (info.decoderHiddenSize !== undefined ? `; decoder hidden size ${info.decoderHiddenSize}` : ''),
    );
  }
  const p = info.preprocessor;
  const size =
    p.size && typeof p.size === 'object'
      ? Object.entries(p.size as Record<string, unknown>)
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', ')
      : String(p.size ?? '?');
  lines.push(
    `preprocessor: size ${size}; mean ${p.imageMean?.join(', ') ?? '?'}; std ${p.imageStd?.join(', ') ?? '?'}; ` +
      `resample ${p.resample ?? '?'}${p.resampleName ? ` (${p.resampleName})` : ''}` +
      (p.rescaleFactor !== undefined ? `; rescale ${p.rescaleFactor}` : ''),
  );
  lines.push('variants:');
  for (const v of info.variants) {
    const state = v.present
      ? 'on disk'
      : v.available === true
        ? 'on the hub, not downloaded'
        : v.available === false
          ? 'not in this model'
          : info.id
            ? 'not cached (offline: unknown on the hub)'
            : 'absent';
    lines.push(`  ${v.variant.padEnd(5)} ${v.file.padEnd(28)} ${(v.size !== undefined ? formatBytes(v.size) : '-').padStart(9)}  ${state}`);
  }
  return `${lines.join('\n')}\n`;
}

async function pull(id: string, variant: ModelVariant | 'all', flags: HubFlags, io: CommandIO): Promise<ResolvedModel[]> {
  const parsed = parseModelId(id);
  const reporter = progressReporter(io);
  const offline = resolveOffline(flags.offline);
  const base: HubOptions = { ...hubOptions(flags), onProgress: reporter.onProgress, refresh: !offline };
  const results: ResolvedModel[] = [];
  try {
    if (variant !== 'all') {
      results.push(await resolveModel(id, { ...base, variant }));
      return results;
    }
    let refreshed = false;
    const missing: string[] = [];
    for (const v of VARIANTS) {
      try {
        // Refresh the ref once; the other variants then come from the same commit.
        results.push(await resolveModel(id, { ...base, variant: v, refresh: base.refresh && !refreshed }));
        refreshed = true;
      } catch (error) {
        if (error instanceof FaceParseError && (error.code === 'MODEL_FILE_MISSING' || error.code === 'HUB_OFFLINE')) {
          missing.push(v);
          if (error.code === 'MODEL_FILE_MISSING') refreshed = true;
          continue;
        }
        throw error;
      }
    }
    if (results.length === 0) {
      throw new FaceParseError(
        offline ? 'HUB_OFFLINE' : 'MODEL_FILE_MISSING',
        `${parsed.id} has none of the ONNX variants (onnx/model.onnx, onnx/model_fp16.onnx, onnx/model_quantized.onnx)` +
          (offline ? ' in the cache, and offline mode is on; pull it while online' : '; it is not a transformers.js-style ONNX export: pick another model'),
      );
    }
    if (missing.length > 0) io.stderr.write(`note: ${parsed.id} has no ${missing.join(', ')} variant${offline ? ' in the cache' : ''}\n`);
    return results;
  } finally {
    reporter.done();
  }
}

/** Adds `models list|pull|info` to the program. */
export function registerModelsCommand(program: Command, ioOverrides: Partial<CommandIO> = {}): void {
  const io: CommandIO = { ...processIO(), ...ioOverrides };
  const models = program.command('models').description('list, download and describe face-parsing models (local folders or Hugging Face hub ids)');

  models
    .command('list')
    .description('models in the hub cache (revisions, variants, sizes) and the built-in model')
    .option('--cache-dir <dir>', 'hub cache folder (default HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)')
    .option('--json', 'print JSON')
    .action(async (flags: HubFlags) => {
      const list = await listModels({ cacheDir: flags.cacheDir });
      io.stdout(flags.json ? `${JSON.stringify(list, null, 2)}\n` : renderList(list));
    });

  addHubFlags(
    models
      .command('pull')
      .description('download a hub model (owner/name[@revision]) into the cache and print its folder')
      .argument('<id>', 'hub model id, e.g. jonathandinu/face-parsing')
      .addOption(new Option('--variant <variant>', 'ONNX weights to fetch').choices([...VARIANTS, 'all']).default('fp32')),
  )
    .option('--json', 'print JSON (folder, commit and files) instead of the folder')
    .action(async (id: string, flags: HubFlags & { variant: ModelVariant | 'all' }) => {
      const results = await pull(id, flags.variant, flags, io);
      const first = results[0]!;
      if (flags.json) {
        io.stdout(
          `${JSON.stringify(
            {
              id: first.id,
              revision: first.revision,
              commit: first.commit,
              dir: first.dir,
              variants: results.map((r) => ({ variant: r.variant, files: r.files, source: r.source })),
            },
            null,
            2,
          )}\n`,
        );
      } else {
        io.stdout(`${first.dir}\n`);
      }
    });

  addHubFlags(
    models
      .command('info')
      .description('describe a model: labels, architecture, preprocessing, ONNX variants (works offline from the cache)')
      .argument('[source]', 'hub id owner/name[@revision] or a model folder (default: the built-in model)'),
    { offline: true },
  )
    .option('--json', 'print JSON')
    .action(async (source: string | undefined, flags: HubFlags) => {
      const info = await modelInfo(source, hubOptions(flags));
      io.stdout(flags.json ? `${JSON.stringify(info, null, 2)}\n` : renderInfo(info));
    });
}
