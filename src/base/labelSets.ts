/**
 * Label sets: the class orders other tools and datasets use, and how a model's classes map into
 * each (`--label-set`, ParseOptions.labelSet, eval). Browser-safe (no Node imports). The table of
 * each mapping, with the reasons, is docs/label-sets.md; tests/base/labelSets.test.ts holds the two
 * to each other.
 *
 * A model class goes to the set's class of the same name (any of its names, src/base/labels.ts);
 * a class the set has no name for goes where the set's `fromCelebAMask` says (by its CelebAMask-HQ
 * short name). So a model with any id2label maps into any set as long as its classes are
 * CelebAMask-HQ classes under some name.
 */
import { FaceParseError } from './errors.js';
import { CELEBAMASK_HQ_LABELS, celebAMaskName, listLabels, normalizeLabelName, type CelebAMaskLabel } from './labels.js';

export interface LabelSet {
  /** Its name for `--label-set`. */
  name: LabelSetName;
  /** Where the order comes from, for documentation. */
  source: string;
  /** Class names, index = id. */
  labels: readonly string[];
  /** Target ids of CelebAMask-HQ classes that have no class of their own name in the set. */
  fromCelebAMask: Partial<Record<CelebAMaskLabel, number>>;
}

/** face-parsing.PyTorch (BiSeNet; used by FaceFusion, facexlib): background, then its `atts` order. */
export const BISENET_LABELS = [
  'background',
  'skin',
  'l_brow',
  'r_brow',
  'l_eye',
  'r_eye',
  'eye_g',
  'l_ear',
  'r_ear',
  'ear_r',
  'nose',
  'mouth',
  'u_lip',
  'l_lip',
  'neck',
  'neck_l',
  'cloth',
  'hair',
  'hat',
] as const;

/** LaPa (JD AI, 11 classes; the README's order; facer's farl/lapa/448 uses the same ids). */
export const LAPA_LABELS = [
  'background',
  'skin',
  'left_eyebrow',
  'right_eyebrow',
  'left_eye',
  'right_eye',
  'nose',
  'upper_lip',
  'inner_mouth',
  'lower_lip',
  'hair',
] as const;

/** MediaPipe's selfie_multiclass_256x256 image segmenter (6 classes). */
export const MEDIAPIPE_LABELS = ['background', 'hair', 'body_skin', 'face_skin', 'clothes', 'others'] as const;

export const LABEL_SET_NAMES = ['celebamask', 'lapa', 'mediapipe', 'bisenet'] as const;
export type LabelSetName = (typeof LABEL_SET_NAMES)[number];

export const LABEL_SETS: Readonly<Record<LabelSetName, LabelSet>> = {
  celebamask: { name: 'celebamask', source: 'CelebAMask-HQ (jonathandinu/face-parsing, 19 classes)', labels: CELEBAMASK_HQ_LABELS, fromCelebAMask: {} },
  bisenet: { name: 'bisenet', source: 'face-parsing.PyTorch / BiSeNet (FaceFusion, facexlib; 19 classes)', labels: BISENET_LABELS, fromCelebAMask: {} },
  lapa: {
    name: 'lapa',
    source: 'LaPa (11 classes)',
    labels: LAPA_LABELS,
    fromCelebAMask: {
      // LaPa labels the face and hair only: what lies outside them is background.
      neck: 0,
      cloth: 0,
      neck_l: 0,
      hat: 0,
      // Ears and earrings are outside LaPa's face contour (its skin ends at the jaw and cheeks).
      l_ear: 0,
      r_ear: 0,
      ear_r: 0,
      // Glasses lie on the face: LaPa labels the face under them (frames on skin).
      eye_g: 1,
    },
  },
  mediapipe: {
    name: 'mediapipe',
    source: 'MediaPipe selfie_multiclass_256x256 (6 classes)',
    labels: MEDIAPIPE_LABELS,
    fromCelebAMask: {
      skin: 3,
      nose: 3,
      l_eye: 3,
      r_eye: 3,
      l_brow: 3,
      r_brow: 3,
      l_ear: 3,
      r_ear: 3,
      mouth: 3,
      u_lip: 3,
      l_lip: 3,
      neck: 2,
      cloth: 4,
      eye_g: 5,
      hat: 5,
      ear_r: 5,
      neck_l: 5,
    },
  },
};

/** Also accepted: `celebamask-hq`, any case. */
export function labelSetNamed(name: string, where = 'label set'): LabelSet {
  const key = name.trim().toLowerCase();
  const set = LABEL_SETS[(key === 'celebamask-hq' || key === 'celebamask_hq' ? 'celebamask' : key) as LabelSetName];
  if (!set) throw new FaceParseError('INVALID_ARGUMENT', `${where} ${JSON.stringify(name)}: unknown; choose one of ${LABEL_SET_NAMES.join(', ')}`);
  return set;
}

/** The set whose labels are exactly `labels` (by normalized name), if any. */
export function knownLabelSet(labels: readonly string[]): LabelSet | undefined {
  const key = labels.map(normalizeLabelName).join('\u0000');
  return Object.values(LABEL_SETS).find((set) => set.labels.map(normalizeLabelName).join('\u0000') === key);
}

/**
 * Id mapping `from` -> `to`: 256 entries, `mapping[fromId] = toId`. A class goes to the class of `to`
 * with the same name (any of its names); else, when `to` is a known label set (or `set` is given),
 * where that set sends its CelebAMask-HQ class. A class with neither is an INVALID_ARGUMENT error
 * naming it. Ids past `from` map to themselves.
 */
export function labelMapping(from: readonly string[], to: readonly string[], set: LabelSet | undefined = knownLabelSet(to)): Uint8Array {
  const index = new Map<string, number>();
  to.forEach((name, i) => {
    const key = normalizeLabelName(name);
    if (!index.has(key)) index.set(key, i);
  });
  const mapping = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mapping[i] = i;
  const missing: string[] = [];
  from.forEach((name, i) => {
    let j = index.get(normalizeLabelName(name));
    if (j === undefined && set) {
      const short = celebAMaskName(name);
      j = short === undefined ? undefined : set.fromCelebAMask[short];
    }
    if (j === undefined) missing.push(`${i}:${name}`);
    else mapping[i] = j;
  });
  if (missing.length > 0) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `classes ${missing.join(', ')} have no counterpart in ${set ? `the ${set.name} label set` : 'the target classes'} (${listLabels(to)}). ` +
        'Give the label set the classes are in (e.g. "bisenet"), or rename the classes.',
    );
  }
  return mapping;
}

/** True when the mapping changes nothing for ids 0..n-1. */
export function isIdentityMapping(mapping: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (mapping[i] !== i) return false;
  return true;
}

/** A model's classes mapped into a label set: the set's labels, and per model id its set id. */
export interface LabelSetMapping {
  set: LabelSet;
  labels: readonly string[];
  /** 256 entries: model id -> set id. */
  mapping: Uint8Array;
}

export function mapIntoLabelSet(modelLabels: readonly string[], name: string, where = 'labelSet'): LabelSetMapping {
  const set = labelSetNamed(name, where);
  return { set, labels: set.labels, mapping: labelMapping(modelLabels, set.labels, set) };
}
