/** Colours for label maps: a fixed, distinct palette for CelebAMask-HQ names, generated colours for others. */
export type Rgb = readonly [number, number, number];

const NAMED_COLOURS: Readonly<Record<string, Rgb>> = {
  background: [0, 0, 0],
  skin: [204, 153, 122],
  nose: [230, 92, 0],
  eye_g: [0, 204, 255],
  l_eye: [51, 102, 255],
  r_eye: [153, 51, 255],
  l_brow: [102, 51, 0],
  r_brow: [153, 102, 51],
  l_ear: [255, 204, 0],
  r_ear: [204, 204, 0],
  mouth: [255, 102, 178],
  u_lip: [204, 0, 51],
  l_lip: [255, 51, 102],
  hair: [80, 40, 20],
  hat: [0, 153, 76],
  ear_r: [255, 255, 102],
  neck_l: [255, 0, 255],
  neck: [255, 178, 140],
  cloth: [0, 102, 153],
};

/** HSV golden-angle colours: distinct, deterministic, any count. */
function generatedColour(i: number): Rgb {
  const h = (i * 137.508) % 360;
  const s = 0.65;
  const v = 0.95;
  const c = v * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = v - c;
  const [r, g, b] =
    h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** One colour per label, by name where known. */
export function paletteFor(labels: readonly string[]): Rgb[] {
  return labels.map((name, i) => NAMED_COLOURS[name.toLowerCase()] ?? generatedColour(i + 1));
}

/** The palette flattened to [r,g,b, r,g,b, ...] for 256 entries (for palette PNGs and lookups). */
export function paletteTable(labels: readonly string[]): Uint8Array {
  const table = new Uint8Array(256 * 3);
  paletteFor(labels).forEach(([r, g, b], i) => {
    if (i < 256) table.set([r, g, b], i * 3);
  });
  return table;
}
