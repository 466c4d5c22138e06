/**
 * Every output kind of one parsed photo, encoded in memory: the one place that decides what each
 * kind is and what it is called, for the CLI, the HTTP service and the queue workers alike.
 */
import { FaceParseError } from '../base/errors.js';
import { regionFileName, type ClassRef, type RegionSpec } from '../masks/regions.js';
import type { RegionShapeOptions } from '../masks/regionShape.js';
import { DEFAULT_ALPHA } from '../options/parseOptions.js';
import type { OutputKind } from './kinds.js';

export interface EncodedOutput {
  kind: OutputKind;
  /** Appended to the photo's stem: `.labels.png`, `.masks/skin.png`, `.json`, ... */
  suffix: string;
  bytes: Uint8Array;
}

export interface EncodeOutputsOptions {
  /** Overlay opacity of the label colours, 0..1. Default 0.5. */
  alpha?: number;
  /** The input's name, recorded in the JSON (`input`). */
  input?: string;
  /** The regions of the `region` kind, each written as `.region-<name>.png`, shaped by `grow` and `feather`. */
  regions?: readonly RegionSpec[];
  /** Pixels each region is grown (negative: shrunk) by. Default 0. */
  grow?: RegionShapeOptions['grow'];
  /** Pixels of soft edge of each region. Default 0. */
  feather?: RegionShapeOptions['feather'];
}

/**
 * What encodeOutputs reads of a parsed photo: the pipeline's ParseResult, named by its shape so that
 * the outputs need not import the pipeline (which renders through them).
 */
export interface EncodableResult {
  toLabelPng(): Promise<Uint8Array>;
  toColorPng(): Promise<Uint8Array>;
  toOverlay(options: { alpha?: number }): Promise<Uint8Array>;
  toConfidencePng(): Promise<Uint8Array>;
  toClassMasks(): Promise<ReadonlyArray<{ label: string; png: Uint8Array }>>;
  toFacePngs(): Promise<ReadonlyArray<{ index: number; crop: Uint8Array; labels: Uint8Array }>>;
  toRegionPng(options: { classes: ClassRef | readonly ClassRef[]; grow?: number; feather?: number }): Promise<Uint8Array>;
  toJSON(): object;
  readonly timings: object;
}

/** A class name as a file name: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
export function maskFileName(label: string): string {
  return `${label.replace(/[^A-Za-z0-9._-]/g, '_')}.png`;
}

/**
 * Encodes the asked-for kinds (image kinds side by side); the JSON comes last so that its
 * `timings.encode` covers the others.
 */
export async function encodeOutputs(
  result: EncodableResult,
  kinds: readonly OutputKind[],
  options: EncodeOutputsOptions = {},
): Promise<{ outputs: EncodedOutput[]; encodeMs: number }> {
  const t0 = performance.now();
  if (kinds.includes('region') && !options.regions?.length) {
    throw new FaceParseError('INVALID_ARGUMENT', 'the region output needs at least one region: a preset (face, hair, ...), a class, or name=class,class');
  }
  const outputs: EncodedOutput[] = [];
  const jobs: Array<Promise<void>> = [];
  const add = (kind: OutputKind, suffix: string, bytes: Promise<Uint8Array>) => jobs.push(bytes.then((b) => void outputs.push({ kind, suffix, bytes: b })));
  if (kinds.includes('labels')) add('labels', '.labels.png', result.toLabelPng());
  if (kinds.includes('color')) add('color', '.color.png', result.toColorPng());
  if (kinds.includes('overlay')) add('overlay', '.overlay.png', result.toOverlay({ alpha: options.alpha ?? DEFAULT_ALPHA }));
  if (kinds.includes('confidence')) add('confidence', '.confidence.png', result.toConfidencePng());
  if (kinds.includes('masks')) {
    jobs.push(
      result.toClassMasks().then((masks) => {
        for (const m of masks) outputs.push({ kind: 'masks', suffix: `.masks/${maskFileName(m.label)}`, bytes: m.png });
      }),
    );
  }
  if (kinds.includes('faces')) {
    jobs.push(
      result.toFacePngs().then((faces) => {
        for (const f of faces)
          outputs.push(
            { kind: 'faces', suffix: `.face${f.index}.png`, bytes: f.crop },
            { kind: 'faces', suffix: `.face${f.index}.labels.png`, bytes: f.labels },
          );
      }),
    );
  }
  if (kinds.includes('region')) {
    for (const region of options.regions!) {
      add(
        'region',
        `.region-${regionFileName(region.name)}.png`,
        result.toRegionPng({ classes: region.classes, grow: options.grow, feather: options.feather }),
      );
    }
  }
  await Promise.all(jobs);
  const encodeMs = performance.now() - t0;
  if (kinds.includes('json')) {
    const json = { ...(options.input === undefined ? {} : { input: options.input }), ...result.toJSON(), timings: { ...result.timings, encode: encodeMs } };
    outputs.push({ kind: 'json', suffix: '.json', bytes: new TextEncoder().encode(JSON.stringify(json, null, 2) + '\n') });
  }
  // A stable order (the order of the kinds asked for, masks by class id), whichever encoder finished first.
  const order = (o: EncodedOutput) => kinds.indexOf(o.kind);
  outputs.sort((a, b) => order(a) - order(b) || (a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0));
  return { outputs, encodeMs };
}
