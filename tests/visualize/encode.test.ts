import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { summarizeLabels } from '../../src/postprocess/summary.js';
import { legendFontSize } from '../../src/outputs/render.js';
import { decodeLabelPng, renderClassMasks, renderColorMap, renderOverlay } from '../../src/platform/node/render.js';
import { legendSvg } from '../../src/visualize/legend.js';
import { pngHeader } from '../../src/image/labelPng.js';
import { paletteFor, type Rgb } from '../../src/visualize/palette.js';

const LABELS = [...CELEBAMASK_HQ_LABELS];

async function rgbPixels(png: Uint8Array) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): number[] => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
  return { info, at };
}

/** A w x h mask: background, a skin disc in the middle, hair in the top rows. */
function faceMask(w: number, h: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const dx = (x - w / 2) / (w / 3);
      const dy = (y - h / 2) / (h / 3);
      if (dx * dx + dy * dy < 1) m[y * w + x] = 1;
      else if (y < h / 8) m[y * w + x] = 13;
    }
  return m;
}

describe('renderColorMap', () => {
  it('bare map (legend false): exactly the palette colours', async () => {
    const mask = Uint8Array.from([0, 1, 13, 1, 0, 2]);
    const { info, at } = await rgbPixels(await renderColorMap(mask, 3, 2, LABELS, { legend: false }));
    expect([info.width, info.height]).toEqual([3, 2]);
    const colours = paletteFor(LABELS);
    expect([at(0, 0), at(1, 0), at(2, 0), at(0, 1), at(1, 1), at(2, 1)]).toEqual([0, 1, 13, 1, 0, 2].map((k) => [...colours[k]]));
  });

  it('puts the legend right of a square map, sized to list the classes present', async () => {
    const mask = faceMask(128, 128);
    const summary = summarizeLabels(mask, 128, 128, LABELS);
    const png = await renderColorMap(mask, 128, 128, LABELS);
    const legend = legendSvg(LABELS, undefined, { shares: summary, fontSize: legendFontSize(128, 128) });
    expect(legend.entries.map((e) => e.id)).toEqual([0, 1, 13]);
    const { info, at } = await rgbPixels(png);
    expect(info.width).toBe(128 + legend.width);
    expect(info.height).toBe(Math.max(128, legend.height));
    // Map pixels untouched by the legend.
    expect(at(64, 64)).toEqual([...paletteFor(LABELS)[1]]);
    expect(at(127, 127)).toEqual([0, 0, 0]);
    expect(at(5, 2)).toEqual([...paletteFor(LABELS)[13]]);
    // Legend's first swatch (background, black) just right of the map.
    const pad = Math.round(legend.height > 0 ? legendFontSize(128, 128) * 0.7 : 0);
    const swatch = Math.round(legendFontSize(128, 128) * 1.1);
    expect(at(128 + pad + Math.floor(swatch / 2), pad + Math.floor(swatch / 2))).toEqual([0, 0, 0]);
    // Second swatch: skin.
    const rowHeight = Math.round(legendFontSize(128, 128) * 1.6);
    expect(at(128 + pad + Math.floor(swatch / 2), pad + rowHeight + Math.floor(swatch / 2))).toEqual([...paletteFor(LABELS)[1]]);
  });

  it('puts the legend below a wide map, in columns within its width, and scales the font with the map', async () => {
    const w = 1200;
    const h = 300;
    const mask = faceMask(w, h);
    const { info } = await rgbPixels(await renderColorMap(mask, w, h, LABELS));
    const legend = legendSvg(LABELS, undefined, {
      shares: summarizeLabels(mask, w, h, LABELS),
      fontSize: legendFontSize(w, h),
      maxWidth: w,
    });
    expect(info.width).toBe(w);
    expect(info.height).toBe(h + legend.height);
    expect(legend.columns).toBe(3);
    expect(legendFontSize(128, 128)).toBe(12);
    expect(legendFontSize(4000, 4000)).toBe(100);
  });

  it('honours an explicit placement and palette', async () => {
    const mask = Uint8Array.from([0, 1, 1, 0]);
    const palette: Rgb[] = [
      [1, 2, 3],
      [200, 100, 50],
    ];
    const png = await renderColorMap(mask, 2, 2, ['background', 'skin'], { legend: 'below', palette });
    const { info, at } = await rgbPixels(png);
    expect(info.height).toBeGreaterThan(2);
    expect(at(1, 0)).toEqual([200, 100, 50]);
    expect(at(0, 0)).toEqual([1, 2, 3]);
    await expect(renderColorMap(mask, 2, 2, ['a', 'b'], { legend: 'left' as never })).rejects.toThrow(/legend must be/);
  });
});

describe('renderOverlay', () => {
  const mask = Uint8Array.from([0, 1, 1, 0]);
  const photo = Uint8Array.from([101, 200, 51, 101, 200, 51, 0, 0, 0, 255, 255, 255]);
  const colours: Rgb[] = [
    [250, 250, 250],
    [10, 21, 30],
  ];

  it('PNG (the default) holds exactly the blended pixels', async () => {
    const png = await renderOverlay(photo, mask, 2, 2, colours);
    expect(pngHeader(png)).toMatchObject({ width: 2, height: 2, colourType: 2 });
    const { at } = await rgbPixels(png);
    expect(at(0, 0)).toEqual([101, 200, 51]); // background untinted
    expect(at(1, 0)).toEqual([56, 111, 41]); // round-half-up means
    expect(at(0, 1)).toEqual([5, 11, 15]); // (0 + c + 1) >> 1
    expect(at(1, 1)).toEqual([255, 255, 255]);
  });

  it('JPEG on request, close to the blend', async () => {
    const w = 64;
    const m = new Uint8Array(w * w).fill(1);
    const p = new Uint8Array(w * w * 3).fill(100);
    const jpeg = await renderOverlay(p, m, w, w, colours, { alpha: 1, format: 'jpeg' });
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    const { at } = await rgbPixels(jpeg);
    const [r, g, b] = at(32, 32);
    expect(Math.abs(r - 10) + Math.abs(g - 21) + Math.abs(b - 30)).toBeLessThan(12);
  });

  it('rejects a bad format or quality', async () => {
    await expect(renderOverlay(photo, mask, 2, 2, colours, { format: 'gif' as never })).rejects.toThrow(/format must be/);
    await expect(renderOverlay(photo, mask, 2, 2, colours, { quality: 0 })).rejects.toThrow(/quality must be/);
  });
});

describe('renderClassMasks', () => {
  // 3x2:  0 13 13 / 1 1 13
  const mask = Uint8Array.from([0, 13, 13, 1, 1, 13]);

  it('one single-channel 0/255 PNG per class present, in id order', async () => {
    const masks = await renderClassMasks(mask, 3, 2, LABELS);
    expect(masks.map((m) => [m.id, m.label])).toEqual([
      [0, 'background'],
      [1, 'skin'],
      [13, 'hair'],
    ]);
    const expected: Record<number, number[]> = {
      0: [255, 0, 0, 0, 0, 0],
      1: [0, 0, 0, 255, 255, 0],
      13: [0, 255, 255, 0, 0, 255],
    };
    for (const m of masks) {
      expect(pngHeader(m.png)).toEqual({ width: 3, height: 2, depth: 8, colourType: 0 });
      expect([...(await decodeLabelPng(m.png)).mask]).toEqual(expected[m.id]);
    }
  });

  it('only the classes asked for, absent ones skipped unless includeAbsent', async () => {
    const some = await renderClassMasks(mask, 3, 2, LABELS, { classes: [13, 2] });
    expect(some.map((m) => m.id)).toEqual([13]);
    const all = await renderClassMasks(mask, 3, 2, LABELS, { classes: [13, 2], includeAbsent: true });
    expect(all.map((m) => m.id)).toEqual([2, 13]);
    expect([...(await decodeLabelPng(all[0].png)).mask]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('keeps each class its own pixels when many classes share the two buffers', async () => {
    const w = 40;
    const big = Uint8Array.from({ length: w * w }, (_, i) => Math.floor(i / (w * 2)) % 19);
    const masks = await renderClassMasks(big, w, w, LABELS);
    expect(masks.map((m) => m.id)).toEqual(LABELS.map((_, i) => i));
    for (const m of masks) {
      const back = (await decodeLabelPng(m.png)).mask;
      for (let i = 0; i < big.length; i++) if ((back[i] === 255) !== (big[i] === m.id)) throw new Error(`class ${m.id} pixel ${i}`);
    }
  });
});
