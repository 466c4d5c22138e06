/**
 * Label sets and mappings between them, by class name, so that a model whose class order differs
 * (e.g. face-parsing.PyTorch's BiSeNet) is scored against CelebAMask-HQ ids correctly.
 */
import { readFile } from 'node:fs/promises';
import { FaceParseError } from '../base/errors.js';
import { CELEBAMASK_HQ_LABELS, LABEL_DESCRIPTIONS } from '../base/labels.js';

/** face-parsing.PyTorch (BiSeNet): background, then its `atts` order. */
export const BISENET_LABELS = [
  'background', 'skin', 'l_brow', 'r_brow', 'l_eye', 'r_eye', 'eye_g', 'l_ear', 'r_ear', 'ear_r',
  'nose', 'mouth', 'u_lip', 'l_lip', 'neck', 'neck_l', 'cloth', 'hair', 'hat',
] as const;

/** Named label sets accepted wherever a label set is asked for. */
export const LABEL_SET_PRESETS: Readonly<Record<string, readonly string[]>> = {
  'celebamask-hq': CELEBAMASK_HQ_LABELS,
  bisenet: BISENET_LABELS,
};

/** Lower case, separators as `_`, and long CelebAMask-HQ names ("left eye") to their short ones ("l_eye"). */
const ALIASES = new Map(Object.entries(LABEL_DESCRIPTIONS).map(([short, long]) => [canonical(long), short]));
function canonical(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}
export function normalizeLabelName(name: string): string {
  const c = canonical(name);
  return ALIASES.get(c) ?? c;
}

function checkLabelSet(labels: string[], source: string): string[] {
  if (labels.length === 0 || labels.length > 256) {
    throw new FaceParseError('INVALID_ARGUMENT', `${source}: a label set needs 1 to 256 names, got ${labels.length}.`);
  }
  const seen = new Map<string, number>();
  labels.forEach((name, i) => {
    const key = normalizeLabelName(name);
    if (key === '') throw new FaceParseError('INVALID_ARGUMENT', `${source}: label ${i} has an empty name.`);
    const before = seen.get(key);
    if (before !== undefined) {
      throw new FaceParseError('INVALID_ARGUMENT', `${source}: labels ${before} and ${i} are both "${name}"; give every class its own name.`);
    }
    seen.set(key, i);
  });
  return labels;
}

/**
 * A label set from a preset name (`celebamask-hq`, `bisenet`), a comma-separated list of names in id
 * order, or a file: JSON (an array of names, or a model config with `id2label`) or text (one name a line).
 */
export async function resolveLabelSet(spec: string): Promise<string[]> {
  const preset = LABEL_SET_PRESETS[spec.toLowerCase()];
  if (preset) return [...preset];
  if (spec.includes(',')) return checkLabelSet(spec.split(',').map((s) => s.trim()), `label list "${spec}"`);
  let text: string;
  try {
    text = await readFile(spec, 'utf8');
  } catch {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `label set "${spec}" is not a preset (${Object.keys(LABEL_SET_PRESETS).join(', ')}), a comma-separated list, or a readable file.`,
    );
  }
  if (spec.toLowerCase().endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new FaceParseError('INVALID_ARGUMENT', `${spec}: is not valid JSON (${(error as Error).message}).`);
    }
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return checkLabelSet(parsed, spec);
    const id2label = (parsed as { id2label?: Record<string, unknown> } | null)?.id2label;
    if (id2label && typeof id2label === 'object') {
      const entries = Object.entries(id2label).map(([id, name]) => [Number(id), String(name)] as const);
      entries.sort((a, b) => a[0] - b[0]);
      if (entries.some(([id], i) => id !== i)) {
        throw new FaceParseError('INVALID_ARGUMENT', `${spec}: id2label ids must be 0..n-1 without gaps.`);
      }
      return checkLabelSet(entries.map(([, name]) => name), spec);
    }
    throw new FaceParseError('INVALID_ARGUMENT', `${spec}: expected an array of class names or an object with id2label.`);
  }
  return checkLabelSet(
    text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== ''),
    spec,
  );
}

/**
 * Id mapping `from` -> `to` by class name: 256 entries, `mapping[fromId] = toId`. Every class of `from`
 * must exist in `to` (names compared after normalizeLabelName); ids past `from` map to themselves.
 */
export function labelMapping(from: readonly string[], to: readonly string[]): Uint8Array {
  const index = new Map(to.map((name, i) => [normalizeLabelName(name), i]));
  const mapping = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mapping[i] = i;
  const missing: string[] = [];
  from.forEach((name, i) => {
    const j = index.get(normalizeLabelName(name));
    if (j === undefined) missing.push(`${i}:${name}`);
    else mapping[i] = j;
  });
  if (missing.length > 0) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `classes ${missing.join(', ')} of the predictions have no class of the same name in the ground truth (${to.join(', ')}). ` +
        'Give the predictions\' label set in the order they use (e.g. "bisenet"), or rename the classes.',
    );
  }
  return mapping;
}

/** True when the mapping changes nothing for ids 0..n-1. */
export function isIdentityMapping(mapping: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (mapping[i] !== i) return false;
  return true;
}
