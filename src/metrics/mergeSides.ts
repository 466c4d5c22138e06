/**
 * The merged-sides view: left/right classes (l_eye/r_eye, l_brow/r_brow, l_ear/r_ear, ...) counted as
 * one class each, since left/right swaps dominate many errors. Pairs are found by name (leftRightPairs).
 */
import { leftRightPairs } from '../base/labels.js';

export interface ClassMerge {
  /** Class names after merging: the pair takes the first one's place, named without the side ("eye"). */
  labels: string[];
  /** 256 entries: old id -> new id; ids past the label set (e.g. an ignore index 255) map to themselves. */
  mapping: Uint8Array;
}

function sidelessName(name: string): string {
  return name.replace(/^(l_|r_|left_|right_|left |right )/i, '');
}

/** Merges every left/right pair of `labels`. */
export function mergeSides(labels: readonly string[]): ClassMerge {
  const partner = new Map<number, number>();
  for (const [left, right] of leftRightPairs(labels)) {
    partner.set(left, right);
    partner.set(right, left);
  }
  const mapping = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mapping[i] = i;
  const merged: string[] = [];
  labels.forEach((name, id) => {
    const other = partner.get(id);
    if (other !== undefined && other < id) {
      mapping[id] = mapping[other];
      return;
    }
    mapping[id] = merged.length;
    merged.push(other === undefined ? name : sidelessName(name));
  });
  return { labels: merged, mapping };
}

/** `data` with every id replaced by `mapping[id]` (into `out` when given). */
export function remapLabelData(data: Uint8Array, mapping: Uint8Array, out: Uint8Array = new Uint8Array(data.length)): Uint8Array {
  for (let i = 0; i < data.length; i++) out[i] = mapping[data[i]];
  return out;
}
