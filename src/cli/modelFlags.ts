/**
 * The flags of the commands that load a model (parse, serve, worker) and of `faceparse models`:
 * which model, how it runs, its limits and the hub. Each flag's values, default and help come from
 * its option in src/options, and each is read by the one text parser (src/options/checkOption.ts),
 * so the three commands cannot drift apart.
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import type { Device, ModelVariant } from '../base/types.js';
import type { HubOptions } from '../hub/types.js';
import { optionalFromText } from '../options/checkOption.js';
import {
  cappedThreads,
  DEFAULT_DEVICE,
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_MAX_MODEL_PIXELS,
  deviceOption,
  maxInputPixelsOption,
  maxModelPixelsOption,
  spinningOption,
  threadsOption,
  VARIANTS,
  variantOption,
} from '../options/parserOptions.js';
import type { FaceParserOptions } from '../pipeline/options.js';

export interface HubFlags {
  revision?: string;
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  offline?: boolean;
  hubTimeout?: string;
}

export const HUB_TIMEOUT_HELP =
  'seconds a hub server may keep a download waiting (no headers, no data, or under 1 kB/s for that long) before it fails (default 30, or HF_HUB_DOWNLOAD_TIMEOUT)';

/** The hub flags; `revision` (default on) and `offline` (default off) where the command takes them. */
export function addHubFlags(command: Command, what: { revision?: boolean; offline?: boolean } = {}): Command {
  if (what.revision !== false) command.option('--revision <rev>', 'hub branch, tag or commit when the id has no @revision (default main)');
  command
    .option('--cache-dir <dir>', 'hub cache folder (default HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)')
    .option('--endpoint <url>', 'hub endpoint (default HF_ENDPOINT, else https://huggingface.co)')
    .option('--token <token>', 'access token for private or gated models (default HF_TOKEN, else $HF_HOME/token)')
    .option('--hub-timeout <seconds>', HUB_TIMEOUT_HELP);
  if (what.offline) command.option('--offline', 'never use the network: the cache only (also HF_HUB_OFFLINE=1)');
  return command;
}

const hubTimeoutFlag = z.number().positive();

/**
 * `--hub-timeout SECONDS`: the headers and idle timeouts and the low-speed window of every hub
 * request (src/hub/transfer.ts); default 30 s each, or HF_HUB_DOWNLOAD_TIMEOUT.
 */
export function hubTimeoutOption(value: string | undefined): Pick<HubOptions, 'network'> {
  const seconds = optionalFromText(hubTimeoutFlag, value, '--hub-timeout');
  if (seconds === undefined) return {};
  const ms = seconds * 1000;
  return { network: { headersTimeoutMs: ms, idleTimeoutMs: ms, lowSpeedWindowMs: ms } };
}

/** The hub options of the flags given. */
export function hubOptions(flags: HubFlags): HubOptions {
  return {
    ...(flags.revision !== undefined ? { revision: flags.revision } : {}),
    ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
    ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
    ...(flags.token !== undefined ? { token: flags.token } : {}),
    ...(flags.offline ? { offline: true } : {}),
    ...hubTimeoutOption(flags.hubTimeout),
  };
}

export interface ModelFlags extends HubFlags {
  model?: string;
  variant?: ModelVariant;
  threads?: string;
  device?: Device;
  spinning: boolean;
  maxPixels?: string;
  maxModelPixels?: string;
}

export interface ModelFlagChoices {
  /** Help of --model. */
  model: string;
  /** Said after the threads option's help (worker: give each worker a share). */
  threadsNote?: string;
  /** The default of --max-pixels (the service's is lower) and what to say after its help. */
  maxPixels?: { default: number; note: string };
  /** --revision (default true: the worker's jobs name their model). */
  revision?: boolean;
}

/** --model, --variant, --threads, --device, --no-spinning, --max-pixels, --max-model-pixels and the hub flags. */
export function addModelFlags(command: Command, choices: ModelFlagChoices): Command {
  const maxPixels = choices.maxPixels ?? { default: DEFAULT_MAX_INPUT_PIXELS, note: '' };
  command
    .option('-m, --model <id|path>', choices.model)
    .addOption(new Option('--variant <variant>', variantOption.description).choices(VARIANTS))
    .option('-t, --threads <n>', `${threadsOption.description}${choices.threadsNote ?? ''}`)
    .addOption(new Option('--device <device>', deviceOption.description).choices(deviceOption.options).default(DEFAULT_DEVICE))
    .option('--no-spinning', `turn off: ${spinningOption.description}`)
    .option('--max-pixels <n>', `${maxInputPixelsOption.description}${maxPixels.note}`, String(maxPixels.default))
    .option('--max-model-pixels <n>', maxModelPixelsOption.description, String(DEFAULT_MAX_MODEL_PIXELS));
  return addHubFlags(command, { revision: choices.revision, offline: true });
}

/**
 * The parser options of the flags, checked. Threads above the core count only add contention (and
 * memory per thread): capped (src/options), with a warning through `say`.
 */
export function modelFlagOptions(
  flags: ModelFlags,
  say: (line: string) => void,
): Pick<
  FaceParserOptions,
  | 'model'
  | 'variant'
  | 'threads'
  | 'device'
  | 'spinning'
  | 'maxInputPixels'
  | 'maxModelPixels'
  | 'revision'
  | 'cacheDir'
  | 'endpoint'
  | 'token'
  | 'offline'
  | 'network'
> {
  const threads = optionalFromText(threadsOption, flags.threads, '--threads');
  const cores = availableParallelism();
  const capped = cappedThreads(threads, cores);
  if (capped !== threads) say(`warning: --threads ${threads} is more than the ${cores} cores of this machine; using ${cores}`);
  return {
    model: flags.model,
    variant: flags.variant,
    threads: capped,
    device: flags.device,
    spinning: flags.spinning,
    maxInputPixels: optionalFromText(maxInputPixelsOption, flags.maxPixels, '--max-pixels'),
    maxModelPixels: optionalFromText(maxModelPixelsOption, flags.maxModelPixels, '--max-model-pixels'),
    ...hubOptions(flags),
  };
}
