/** Scanning runs of equal class ids in a label map, 4 pixels per compare where the bytes allow: shared by the summaries and the pictures. */

/** The mask as 32-bit words (4 pixels each) for `runEnd`, or null when its bytes are not 4-aligned. */
export function wordView(mask: Uint8Array): Int32Array | null {
  return mask.byteOffset % 4 === 0 ? new Int32Array(mask.buffer, mask.byteOffset, mask.length >> 2) : null;
}

/**
 * End (exclusive, at most `limit`) of the run of class `id` that starts at `start` (where `mask[start] === id`).
 * With `words` (from `wordView`), long runs are stepped over 4 pixels per compare.
 */
export function runEnd(mask: Uint8Array, words: Int32Array | null, start: number, limit: number, id: number): number {
  let i = start + 1;
  if (words !== null && limit - i >= 16) {
    while ((i & 3) !== 0) {
      if (mask[i] !== id) return i;
      i++;
    }
    const pattern = Math.imul(id, 0x01010101);
    const kEnd = limit >> 2;
    let k = i >> 2;
    while (k < kEnd && words[k] === pattern) k++;
    i = k << 2;
  }
  while (i < limit && mask[i] === id) i++;
  return i;
}
