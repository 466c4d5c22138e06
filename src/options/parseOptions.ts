/**
 * The per-photo options of a parse, said once: each option's values, default, limits and help as a
 * zod schema with its description. The front ends take them from here instead of re-declaring them:
 * the library's checks (FaceParser.parse in src/pipeline and src/web), the CLI's choices, help and
 * number parsing (parse, eval, queue submit, through ./fromText.ts), the service's query schema and
 * OpenAPI (src/server/routes/parseSchema.ts) and the queue's job schema (src/queue/jobSchema.ts).
 * Pure (zod and src/base only), so the browser bundle takes it too; the modules that act on an
 * option (postprocess/multiscale.ts, masks/regionShape.ts, outputs/kinds.ts) import its limits from here.
 */
import { z } from 'zod';
import type { CelebAMaskLabel } from '../base/labels.js';
import { LABEL_SET_NAMES } from '../base/labelSets.js';

/** Whole photo or face by face; src/faces/facesMode.ts decides what `auto` does with a photo. */
export const facesOption = z
  .enum(['auto', 'on', 'off'])
  .describe(
    'auto: face by face (each face found, aligned, parsed and pasted back) unless the photo already is a face crop; on: always face by face; off: the whole photo, as the reference pipeline does',
  );
export type FacesMode = z.infer<typeof facesOption>;
/** The modes, in the order help lists them. */
export const FACES_MODES: readonly FacesMode[] = facesOption.options;
export const DEFAULT_FACES: FacesMode = 'auto';

/** Opacity of the label colours over the photo in the overlay output. */
export const alphaOption = z.number().min(0).max(1).describe('overlay opacity of the label colours, 0..1');
export const DEFAULT_ALPHA = 0.5;

/** Flip test-time augmentation. */
export const flipOption = z.boolean().describe('also run each photo mirrored and average the logits: a little more accurate, about 2x the inference time');
export const DEFAULT_FLIP = false;

/** Smallest and largest scale of multi-scale test-time augmentation. */
export const MIN_SCALE = 0.25;
export const MAX_SCALE = 4;
/** Most scales in one list: each is a pass through the model (see src/pipeline/augmentation.ts for their pixel budget). */
export const MAX_SCALE_COUNT = 8;

/**
 * Multi-scale test-time augmentation: multiples of the model input size, 1 among them (the grid the
 * other passes' logits are resized to), no repeats. The count is checked before the entries, so a
 * list of thousands is refused at once.
 */
const notAScale = (issue: { input?: unknown }) =>
  `${typeof issue.input === 'string' ? `'${issue.input}'` : String(issue.input)} is not a number from ${MIN_SCALE} to ${MAX_SCALE}`;
export const scalesOption = z
  .array(z.number({ error: notAScale }).min(MIN_SCALE, { error: notAScale }).max(MAX_SCALE, { error: notAScale }), { error: 'no scales' })
  .min(1, { error: 'no scales' })
  .max(MAX_SCALE_COUNT, { error: (issue) => `${(issue.input as unknown[]).length} scales, at most ${MAX_SCALE_COUNT} (each is a pass through the model)` })
  .refine((s) => new Set(s).size === s.length, { error: 'a scale is repeated' })
  .refine((s) => s.includes(1), { error: "1 is missing: include 1 (the model's own size), e.g. 0.75,1,1.25" })
  .describe(
    'multi-scale test-time augmentation: also run each photo at these multiples of the model input size and average the logits, e.g. 0.75,1,1.25 (must include 1; about 3x the inference time for that list)',
  );
export const DEFAULT_SCALES: readonly number[] = [1];

/**
 * What a parse writes. `faces`: per face of a per-face parse, its aligned crop and the crop's labels
 * (`.face0.png`, `.face0.labels.png`). `region`: per region asked for, its 8-bit alpha mask (`.region-<name>.png`).
 */
export const OUTPUT_KINDS = ['labels', 'color', 'overlay', 'masks', 'json', 'confidence', 'faces', 'region'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];
/** A list of output kinds, each one of `kinds`; an unknown kind is named in the error. */
export const outputKindList = <K extends OutputKind>(kinds: readonly K[]) =>
  z
    .array(z.enum(kinds as [K, ...K[]], { error: (issue) => `unknown ${JSON.stringify(issue.input)}` }), { error: 'no outputs' })
    .min(1, { error: 'no outputs' });
export const outputsOption = outputKindList(OUTPUT_KINDS).describe(`outputs to write, comma-separated: ${OUTPUT_KINDS.join(',')}`);
/** What `faceparse parse` (and a queue job) writes when `--outputs` is not given. */
export const DEFAULT_OUTPUTS: readonly OutputKind[] = ['labels', 'color', 'overlay', 'json'];

/** The label set of the labels, masks, colours and JSON. */
export const labelSetOption = z
  .enum(LABEL_SET_NAMES)
  .describe("write labels, masks, colours and the JSON in this label set (docs/label-sets.md; default: the model's own labels)");

/** Most region masks of one parse, and the longest region spec (a query or a job carries them). */
export const MAX_REGIONS = 32;
export const MAX_REGION_SPEC_LENGTH = 500;
const FACE: readonly CelebAMaskLabel[] = ['skin', 'nose', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'mouth', 'u_lip', 'l_lip'];

/**
 * Region presets, the names a region option takes besides classes. `face`: the face itself, what a
 * face swap or restoration replaces: skin and features, without hair, ears, glasses, hats or
 * jewellery (those stay the photo's own). `head`: everything of and on the head down to the jaw: the
 * face plus ears, hair, hat, glasses and earrings; not the neck, necklace or clothes (a head
 * cut-out, an avatar). Written in CelebAMask-HQ short names, resolved by name against the model's
 * labels (src/masks/regions.ts).
 */
export const REGION_PRESETS: Readonly<Record<string, readonly CelebAMaskLabel[]>> = {
  face: FACE,
  head: [...FACE, 'l_ear', 'r_ear', 'hair', 'hat', 'eye_g', 'ear_r'],
  hair: ['hair'],
  skin: ['skin'],
  lips: ['u_lip', 'l_lip'],
  eyes: ['l_eye', 'r_eye'],
  brows: ['l_brow', 'r_brow'],
  ears: ['l_ear', 'r_ear'],
};

export const regionOption = z
  .string()
  .min(1)
  .max(MAX_REGION_SPEC_LENGTH)
  .describe(
    `a region mask (an 8-bit alpha mask of the photo's size, named <stem>.region-<name>.png): a preset (${Object.keys(REGION_PRESETS).join(', ')}), a class (l_eye or "left eye"), or name=class,class (e.g. lips=u_lip,l_lip); repeat for more`,
  );
export const regionsOption = z.array(regionOption).max(MAX_REGIONS);

/** The largest grow or feather taken: beyond it a mask is all or nothing on any photo faceparse accepts. */
export const MAX_REGION_DISTANCE = 10_000;
export const growOption = z
  .number()
  .min(-MAX_REGION_DISTANCE)
  .max(MAX_REGION_DISTANCE)
  .describe('grow each region by this many pixels (negative: shrink), by exact Euclidean distance');
export const DEFAULT_GROW = 0;
export const featherOption = z.number().min(0).max(MAX_REGION_DISTANCE).describe("soften each region's edge over this many pixels (0: a hard 0/255 edge)");
export const DEFAULT_FEATHER = 0;
