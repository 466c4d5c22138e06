/** Rectangles drawn into RGB pixels (face boxes on overlays), a line width that grows with the picture. */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Draws each box's outline into `rgb` (interleaved, width * height * 3), clipped to the picture. */
export function drawBoxes(
  rgb: Uint8Array,
  width: number,
  height: number,
  boxes: readonly Box[],
  color: readonly [number, number, number] = [255, 230, 0],
): void {
  const line = Math.max(2, Math.round(Math.min(width, height) / 300));
  const fill = (x0: number, y0: number, x1: number, y1: number) => {
    const xa = Math.max(0, Math.floor(x0));
    const xb = Math.min(width, Math.ceil(x1));
    const ya = Math.max(0, Math.floor(y0));
    const yb = Math.min(height, Math.ceil(y1));
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const o = (y * width + x) * 3;
        rgb[o] = color[0];
        rgb[o + 1] = color[1];
        rgb[o + 2] = color[2];
      }
    }
  };
  for (const b of boxes) {
    const x1 = b.x + b.width;
    const y1 = b.y + b.height;
    fill(b.x, b.y, x1, b.y + line);
    fill(b.x, y1 - line, x1, y1);
    fill(b.x, b.y, b.x + line, y1);
    fill(x1 - line, b.y, x1, y1);
  }
}
