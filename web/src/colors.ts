/**
 * The colour layer drawn over the photo: RGBA with each visible class in its palette colour
 * (the palette of Node's colour PNGs) and hidden classes and background transparent; the viewer
 * draws it with the opacity slider's alpha.
 */
export function colourLayer(
  mask: Uint8Array,
  width: number,
  height: number,
  palette: readonly (readonly [number, number, number])[],
  hidden: ReadonlySet<number>,
  out?: ImageData,
): ImageData {
  const layer = out && out.width === width && out.height === height ? out : new ImageData(width, height);
  const rgba = new Uint32Array(layer.data.buffer);
  // One 32-bit RGBA word per class (little-endian: R in the low byte), 0 = transparent.
  const words = new Uint32Array(256);
  palette.forEach(([r, g, b], id) => {
    if (id !== 0 && !hidden.has(id)) words[id] = (255 << 24) | (b << 16) | (g << 8) | r;
  });
  for (let i = 0; i < mask.length; i++) rgba[i] = words[mask[i]!]!;
  return layer;
}

export function cssColour([r, g, b]: readonly [number, number, number]): string {
  return `rgb(${r}, ${g}, ${b})`;
}
