/**
 * Label sets. CelebAMask-HQ's order is the one of the reference model
 * `jonathandinu/face-parsing` and of `../shared/data/celebamask-mini`.
 * `l_*` is the person's left (usually the image's right).
 */
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

/** Human-readable names for the CelebAMask-HQ short labels. */
export const LABEL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  background: 'background',
  skin: 'skin',
  nose: 'nose',
  eye_g: 'eyeglasses',
  l_eye: 'left eye',
  r_eye: 'right eye',
  l_brow: 'left brow',
  r_brow: 'right brow',
  l_ear: 'left ear',
  r_ear: 'right ear',
  mouth: 'mouth',
  u_lip: 'upper lip',
  l_lip: 'lower lip',
  hair: 'hair',
  hat: 'hat',
  ear_r: 'earring',
  neck_l: 'necklace',
  neck: 'neck',
  cloth: 'cloth',
};

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
