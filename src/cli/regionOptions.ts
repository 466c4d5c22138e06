/**
 * The options `faceparse parse` and `faceparse queue submit` share for masks people use: region masks
 * (`--region`, `--grow`, `--feather`) and the label set of the outputs (`--label-set`). Checked here,
 * before any model loads; class names are checked against the model once it has (resolveRegion).
 */
import { Option, type Command } from 'commander';
import { LABEL_SET_NAMES, type LabelSetName } from '../base/labelSets.js';
import { FaceParseError } from '../base/errors.js';
import { parseRegionSpecs, REGION_PRESETS, type RegionSpec } from '../masks/regions.js';
import { checkRegionShape } from '../masks/regionShape.js';
import type { OutputKind } from '../outputs/kinds.js';

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
    .option(
      '--region <spec>',
      `a region mask, written as <stem>.region-<name>.png (8-bit grey, the photo's size; with --outputs region, which --region implies): a preset (${Object.keys(REGION_PRESETS).join(', ')}), a class (l_eye or "left eye"), or name=class,class (e.g. lips=u_lip,l_lip); repeat for more`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--grow <px>', 'grow each region by this many pixels (negative: shrink), by exact Euclidean distance (default 0)')
    .option('--feather <px>', "soften each region's edge over this many pixels (default 0: a hard 0/255 edge)")
    .addOption(
      new Option(
        '--label-set <set>',
        "write labels, masks, colours and the JSON in this label set (docs/label-sets.md; default: the model's own labels)",
      ).choices([...LABEL_SET_NAMES]),
    );
}

/** A number of pixels from the command line; errors name the flag. */
export function pixelsFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new FaceParseError('INVALID_ARGUMENT', `${flag} must be a number of pixels, got "${value}"`);
  return n;
}

/**
 * The checked region choices, and the outputs with `region` added when regions were asked for
 * (a --region without --outputs region would otherwise be silently dropped).
 */
export function regionChoices(flags: RegionFlags, outputs: OutputKind[]): { outputs: OutputKind[]; choices: RegionChoices } {
  const regions = parseRegionSpecs(flags.region ?? [], '--region');
  const grow = pixelsFlag(flags.grow, '--grow');
  const feather = pixelsFlag(flags.feather, '--feather');
  checkRegionShape({ grow, feather }, '--grow/--feather');
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
