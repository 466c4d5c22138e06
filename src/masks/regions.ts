/**
 * Regions: named unions of classes (presets), region specs as written on the command line or in a
 * query (`face`, `left eye`, `lips=u_lip,l_lip`), and their resolution to the class ids of a model.
 * Browser-safe. Presets are written in CelebAMask-HQ short names and resolved by name against the
 * model's own labels (src/base/labels.ts), so they work for any model whose classes carry those
 * names under any spelling; a preset class the model lacks is left out, as it cannot be labelled.
 */
import { FaceParseError } from '../base/errors.js';
import { findClassId, listLabels } from '../base/labels.js';
import { mapIntoLabelSet } from '../base/labelSets.js';
import { REGION_PRESETS } from '../options/parseOptions.js';

/** Region presets (face, head, hair, ...): the values of the region option, said in src/options/parseOptions.ts. */
export { REGION_PRESETS };

/** A class by name or id. */
export type ClassRef = string | number;

/** A region as asked for: its name (for files and answers) and the classes or presets it unites. */
export interface RegionSpec {
  name: string;
  classes: readonly ClassRef[];
}

/**
 * A region spec as text: `face` (a preset), `left eye` or `l_eye` (one class; the name is the text),
 * or `name=a,b,...` (a named union of classes and presets). Only the syntax is checked here; the
 * names are checked against the model by `resolveRegion`.
 */
export function parseRegionSpec(text: string, where = '--region'): RegionSpec {
  const value = String(text).trim();
  const eq = value.indexOf('=');
  const name = (eq < 0 ? value : value.slice(0, eq)).trim();
  const classes =
    eq < 0
      ? [name]
      : value
          .slice(eq + 1)
          .split(',')
          .map((s) => s.trim());
  if (name === '' || classes.length === 0 || classes.some((c) => c === '')) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `${where} ${JSON.stringify(text)}: give a preset (${Object.keys(REGION_PRESETS).join(', ')}), a class name, or name=class,class (e.g. lips=u_lip,l_lip)`,
    );
  }
  return { name, classes };
}

/** Several specs; two with the same file name are refused (one would overwrite the other). */
export function parseRegionSpecs(texts: readonly string[], where = '--region'): RegionSpec[] {
  const specs = texts.map((t) => parseRegionSpec(t, where));
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const file = regionFileName(spec.name);
    const before = seen.get(file);
    if (before !== undefined)
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        `${where}: regions "${before}" and "${spec.name}" would both be written as region-${file}.png; name them apart (name=classes)`,
      );
    seen.set(file, spec.name);
  }
  return specs;
}

/** A region name as it appears in file names: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
export function regionFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** How a label set's classes relate to the model's (for names only the set knows, e.g. MediaPipe's `body_skin`). */
export interface SetClasses {
  labels: readonly string[];
  /** model id -> set id */
  mapping: Uint8Array;
}

/**
 * The model class ids a region covers, ascending. Each entry is a preset, a class of the model (any
 * of its names, or its id), or, with `set`, a class of the label set (all model classes mapped into it).
 * Unknown names are an INVALID_ARGUMENT error that lists what is valid.
 */
export function resolveRegion(labels: readonly string[], classes: ClassRef | readonly ClassRef[], set?: SetClasses, where = 'regionMask'): number[] {
  const refs: readonly ClassRef[] = Array.isArray(classes) ? classes : [classes as ClassRef];
  if (refs.length === 0) throw new FaceParseError('INVALID_ARGUMENT', `${where}: classes is empty; name at least one class or preset`);
  const ids = new Set<number>();
  for (const ref of refs) {
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref < 0 || ref >= labels.length) {
        throw new FaceParseError('INVALID_ARGUMENT', `${where}: class id ${ref} is not one of this model's ids 0..${labels.length - 1}`);
      }
      ids.add(ref);
      continue;
    }
    if (typeof ref !== 'string') throw new FaceParseError('INVALID_ARGUMENT', `${where}: classes must be names or ids; got ${JSON.stringify(ref)}`);
    const preset = REGION_PRESETS[ref.trim().toLowerCase()];
    if (preset) {
      const found = preset.map((name) => findClassId(labels, name)).filter((id): id is number => id !== undefined);
      if (found.length === 0)
        throw new FaceParseError(
          'INVALID_ARGUMENT',
          `${where}: this model has none of the classes of the preset "${ref}" (${preset.join(', ')}); its classes are ${listLabels(labels)}`,
        );
      for (const id of found) ids.add(id);
      continue;
    }
    const id = findClassId(labels, ref);
    if (id !== undefined) {
      ids.add(id);
      continue;
    }
    const setId = set ? findClassId(set.labels, ref) : undefined;
    if (set && setId !== undefined) {
      for (let m = 0; m < labels.length; m++) if (set.mapping[m] === setId) ids.add(m);
      continue;
    }
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `${where}: no class or preset ${JSON.stringify(ref)}; presets are ${Object.keys(REGION_PRESETS).join(', ')}, classes ${listLabels(labels)}` +
        (set ? `, and the label set's ${set.labels.join(', ')}` : ''),
    );
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * Checks regions (and the label set their names may come from) against a model's labels before any
 * photo is parsed, so that a bad name fails the run, request or job at once; errors name the region.
 */
export function checkRegionsForModel(labels: readonly string[], regions: readonly RegionSpec[], labelSet: string | undefined, prefix: string): void {
  const set = labelSet === undefined ? undefined : mapIntoLabelSet(labels, labelSet, prefix === 'region' ? 'labelSet' : '--label-set');
  for (const region of regions) resolveRegion(labels, region.classes, set, `${prefix} ${region.name}`);
}
