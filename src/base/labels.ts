/**
 * The classes faceparse knows by name: the one place that defines them. Each CelebAMask-HQ class has
 * a short name (the reference model's `id2label`, kept in label files and JSON), a human name (the
 * legend, the app, the README) and aliases (other tools' and datasets' spellings). Every place that
 * takes a class name (`probabilityMask`, region masks, the CLI, the service, eval, label sets)
 * resolves it here, against the labels of the model actually loaded.
 *
 * CelebAMask-HQ's order is the one of `jonathandinu/face-parsing` and of `../shared/data/celebamask-mini`.
 * `l_*` is the person's left (usually the image's right).
 */
import { FaceParseError } from './errors.js';

export const CELEBAMASK_HQ_LABELS = [
  'background',
  'skin',
  'nose',
  'eye_g',
  'l_eye',
  'r_eye',
  'l_brow',
  'r_brow',
  'l_ear',
  'r_ear',
  'mouth',
  'u_lip',
  'l_lip',
  'hair',
  'hat',
  'ear_r',
  'neck_l',
  'neck',
  'cloth',
] as const;

export type CelebAMaskLabel = (typeof CELEBAMASK_HQ_LABELS)[number];

/**
 * Per CelebAMask-HQ class: its human name first (what the legend and app show), then other names
 * accepted for it. Aliases are compared after `canonicalLabel` (case, spaces and hyphens do not
 * matter). Two-letter abbreviations (facer's `rb`, `le`) are left out on purpose: facer names sides
 * from the image's point of view, the opposite of CelebAMask-HQ's `l_`/`r_`, so they would swap sides.
 */
const NAMES: Readonly<Record<CelebAMaskLabel, readonly string[]>> = {
  background: ['background', 'bg', 'none', '_background_'],
  // not 'face': that is the region preset of the whole face (src/masks/regions.ts)
  skin: ['skin', 'face skin'],
  nose: ['nose'],
  eye_g: ['eyeglasses', 'glasses', 'eyeglass', 'eye glasses', 'spectacles'],
  l_eye: ['left eye'],
  r_eye: ['right eye'],
  l_brow: ['left brow', 'left eyebrow'],
  r_brow: ['right brow', 'right eyebrow'],
  l_ear: ['left ear'],
  r_ear: ['right ear'],
  mouth: ['mouth', 'inner mouth', 'imouth'],
  u_lip: ['upper lip', 'ulip'],
  l_lip: ['lower lip', 'llip'],
  hair: ['hair'],
  hat: ['hat'],
  ear_r: ['earring', 'earrings', 'ear ring'],
  neck_l: ['necklace'],
  neck: ['neck'],
  cloth: ['cloth', 'clothes', 'clothing'],
};

/** Human names of the CelebAMask-HQ short labels (the legend's and the app's words). */
export const LABEL_DESCRIPTIONS: Readonly<Record<string, string>> = Object.fromEntries(CELEBAMASK_HQ_LABELS.map((short) => [short, NAMES[short][0]!]));

/** Lower case, surrounding space trimmed, runs of spaces, hyphens and underscores as one `_`. */
export function canonicalLabel(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '_');
}

const SHORT_BY_ALIAS = new Map<string, CelebAMaskLabel>();
for (const short of CELEBAMASK_HQ_LABELS) {
  SHORT_BY_ALIAS.set(short, short);
  for (const alias of NAMES[short]) SHORT_BY_ALIAS.set(canonicalLabel(alias), short);
}

/**
 * A class name in comparable form: the CelebAMask-HQ short name when the name is one of its names
 * ("Left Eye", "glasses", "left_eyebrow" -> "l_eye", "eye_g", "l_brow"), else its canonical form.
 */
export function normalizeLabelName(name: string): string {
  const c = canonicalLabel(name);
  return SHORT_BY_ALIAS.get(c) ?? c;
}

/** The CelebAMask-HQ short name of a class name, or undefined when it names no CelebAMask-HQ class. */
export function celebAMaskName(name: string): CelebAMaskLabel | undefined {
  return SHORT_BY_ALIAS.get(canonicalLabel(name));
}

/**
 * The human name of a label (the legend's words): a CelebAMask-HQ class (by its short or human name) by its
 * human name, any other label as given (a label set's own names, e.g. LaPa's `inner_mouth`, keep their words).
 */
export function describeLabel(label: string): string {
  const short = celebAMaskName(label);
  return short && (canonicalLabel(label) === short || canonicalLabel(label) === canonicalLabel(NAMES[short][0]!)) ? NAMES[short][0]! : label;
}

/** "skin (skin), l_eye (left eye), ...": a model's classes with their human names, for messages. */
export function listLabels(labels: readonly string[]): string {
  return labels.map((l) => (describeLabel(l) === l ? l : `${l} (${describeLabel(l)})`)).join(', ');
}

/**
 * The id of a class of `labels` (a model's id2label) named `name`: its own name, its short or human
 * CelebAMask-HQ name, any alias (case and separators do not matter), or an id as a number. Unknown
 * names are an INVALID_ARGUMENT error that lists the classes.
 */
export function resolveClassId(labels: readonly string[], name: string | number, where = 'class'): number {
  if (typeof name === 'number') {
    if (Number.isInteger(name) && name >= 0 && name < labels.length) return name;
    throw new FaceParseError('INVALID_ARGUMENT', `${where}: no class ${name}; ids go from 0 to ${labels.length - 1} (${listLabels(labels)})`);
  }
  const id = typeof name === 'string' ? findClassId(labels, name) : undefined;
  if (id === undefined) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `${where}: no class ${JSON.stringify(name)} in this model; its classes are ${listLabels(labels)} (short or human names)`,
    );
  }
  return id;
}

/** The id of the class named `name` (any of its names), or undefined. */
export function findClassId(labels: readonly string[], name: string): number | undefined {
  // The model's own spelling first (a model may call a class what CelebAMask-HQ calls otherwise), then any alias.
  const exact = canonicalLabel(name);
  if (exact === '') return undefined;
  const own = labels.findIndex((label) => canonicalLabel(label) === exact);
  if (own >= 0) return own;
  const wanted = normalizeLabelName(name);
  const i = labels.findIndex((label) => normalizeLabelName(label) === wanted);
  return i < 0 ? undefined : i;
}

/**
 * Pairs of class ids that a horizontal flip swaps, found by name: `l_x`/`r_x`, `left_x`/`right_x`,
 * `x_l`/`x_r` is NOT used (CelebAMask-HQ's `neck_l` is a necklace, `ear_r` an earring).
 */
export function leftRightPairs(labels: readonly string[]): Array<[number, number]> {
  const index = new Map(labels.map((name, i) => [name.toLowerCase(), i]));
  const pairs: Array<[number, number]> = [];
  labels.forEach((name, i) => {
    const lower = name.toLowerCase();
    for (const [l, r] of [
      ['l_', 'r_'],
      ['left_', 'right_'],
      ['left ', 'right '],
    ] as const) {
      if (lower.startsWith(l)) {
        const j = index.get(r + lower.slice(l.length));
        if (j !== undefined) pairs.push([i, j]);
      }
    }
  });
  return pairs;
}
