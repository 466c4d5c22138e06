/**
 * Label sets and mappings between them, by class name, so that a model whose class order differs
 * (e.g. face-parsing.PyTorch's BiSeNet) is scored against CelebAMask-HQ ids correctly.
 */
import { readFile } from 'node:fs/promises';
import { FaceParseError } from '../base/errors.js';
import { normalizeLabelName } from '../base/labels.js';
import { LABEL_SET_NAMES, LABEL_SETS } from '../base/labelSets.js';

export { BISENET_LABELS, LAPA_LABELS, MEDIAPIPE_LABELS, labelMapping, isIdentityMapping } from '../base/labelSets.js';
export { normalizeLabelName };

/** Named label sets accepted wherever a label set is asked for (src/base/labelSets.ts; `celebamask-hq` too). */
export const LABEL_SET_PRESETS: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(LABEL_SET_NAMES.map((name) => [name, LABEL_SETS[name].labels])),
  'celebamask-hq': LABEL_SETS.celebamask.labels,
};

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
  if (spec.includes(','))
    return checkLabelSet(
      spec.split(',').map((s) => s.trim()),
      `label list "${spec}"`,
    );
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
      return checkLabelSet(
        entries.map(([, name]) => name),
        spec,
      );
    }
    throw new FaceParseError('INVALID_ARGUMENT', `${spec}: expected an array of class names or an object with id2label.`);
  }
  return checkLabelSet(
    text
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    spec,
  );
}
