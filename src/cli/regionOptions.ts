/**
 * The options `faceparse parse` and `faceparse queue submit` share for masks people use: region masks
 * (`--region`, `--grow`, `--feather`) and the label set of the outputs (`--label-set`). Checked here,
 * before any model loads; class names are checked against the model once it has (resolveRegion).
 */
import { Option, type Command } from 'commander';
import type { LabelSetName } from '../base/labelSets.js';
import { FaceParseError } from '../base/errors.js';
import { parseRegionSpecs, type RegionSpec } from '../masks/regions.js';
import { optionalFromText } from '../options/checkOption.js';
import { DEFAULT_FEATHER, DEFAULT_GROW, featherOption, growOption, labelSetOption, regionOption, type OutputKind } from '../options/parseOptions.js';

export interface RegionFlags {
  region?: string[];
  grow?: string;
  feather?: string;
  labelSet?: LabelSetName;
}

export interface RegionChoices {
  regions: RegionSpec[];
  grow?: number;
  feather?: number;
  labelSet?: LabelSetName;
}

export function addRegionOptions(command: Command): Command {
  return command
    .option('--region <spec>', `${regionOption.description} (--region implies --outputs region)`, (value: string, previous: string[] | undefined) => [
      ...(previous ?? []),
      value,
    ])
    .option('--grow <px>', `${growOption.description} (default ${DEFAULT_GROW})`)
    .option('--feather <px>', `${featherOption.description} (default ${DEFAULT_FEATHER})`)
    .addOption(new Option('--label-set <set>', labelSetOption.description).choices(labelSetOption.options));
}

/**
 * The checked region choices, and the outputs with `region` added when regions were asked for
 * (a --region without --outputs region would otherwise be silently dropped).
 */
export function regionChoices(flags: RegionFlags, outputs: OutputKind[]): { outputs: OutputKind[]; choices: RegionChoices } {
  const regions = parseRegionSpecs(flags.region ?? [], '--region');
  const grow = optionalFromText(growOption, flags.grow, '--grow');
  const feather = optionalFromText(featherOption, flags.feather, '--feather');
  if (outputs.includes('region') && regions.length === 0) {
    throw new FaceParseError('INVALID_ARGUMENT', '--outputs region needs at least one --region: a preset (face, hair, ...), a class, or name=class,class');
  }
  if (regions.length === 0 && (grow !== undefined || feather !== undefined)) {
    throw new FaceParseError('INVALID_ARGUMENT', '--grow and --feather shape region masks: add --region (e.g. --region face)');
  }
  return {
    outputs: regions.length && !outputs.includes('region') ? [...outputs, 'region'] : outputs,
    choices: { regions, grow, feather, labelSet: flags.labelSet },
  };
}
