import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { summarizeLabels } from '../../src/postprocess/summary.js';
import { renderLegend } from '../../src/platform/node/render.js';
import { describeLabel, formatShare, legendEntries, legendSvg } from '../../src/visualize/legend.js';
import { paletteFor } from '../../src/visualize/palette.js';

const LABELS = [...CELEBAMASK_HQ_LABELS];

describe('legendEntries', () => {
  it('lists every class when nothing says which are present', () => {
    expect(legendEntries(LABELS, undefined).map((e) => e.id)).toEqual(LABELS.map((_, i) => i));
  });

  it('lists only the classes present in a summary, with readable names and shares', () => {
    // 4x1: background, skin, skin, eyeglasses
    const summary = summarizeLabels(Uint8Array.from([0, 1, 1, 3]), 4, 1, LABELS);
    const entries = legendEntries(LABELS, undefined, { shares: summary });
    expect(entries).toEqual([
      { id: 0, label: 'background', text: 'background', colour: paletteFor(LABELS)[0], share: 0.25 },
      { id: 1, label: 'skin', text: 'skin', colour: paletteFor(LABELS)[1], share: 0.5 },
      { id: 3, label: 'eye_g', text: 'eyeglasses', colour: paletteFor(LABELS)[3], share: 0.25 },
    ]);
    expect(legendEntries(LABELS, undefined, { shares: summary, sort: 'share' }).map((e) => e.id)).toEqual([1, 0, 3]);
  });

  it('takes explicit ids and per-class share arrays; unknown names are shown as they are', () => {
    const labels = ['bg', 'Wall', 'l_eye'];
    expect(legendEntries(labels, undefined, { present: [2, 1, 2] }).map((e) => e.text)).toEqual(['Wall', 'left eye']);
    expect(legendEntries(labels, undefined, { shares: [0, 0.4, 0.6] }).map((e) => e.id)).toEqual([1, 2]);
    expect(() => legendEntries(labels, undefined, { present: [300] })).toThrow(/class ids 0..255/);
  });

  it('describes and formats', () => {
    expect(describeLabel('neck_l')).toBe('necklace');
    expect(describeLabel('ear_r')).toBe('earring');
    expect(describeLabel('sky')).toBe('sky');
    expect(formatShare(0.3125)).toBe('31.3%');
    expect(formatShare(0.0001)).toBe('<0.1%');
    expect(formatShare(0)).toBe('0.0%');
    expect(formatShare(1)).toBe('100.0%');
  });
});

describe('legendSvg', () => {
  it('holds one row per class listed and escapes names', () => {
    const labels = ['background', 'a<b & "c"'];
    const { svg, entries } = legendSvg(labels, undefined, { shares: [0.5, 0.5] });
    expect(entries).toHaveLength(2);
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;');
    expect(svg).toContain('50.0%');
    expect(svg.match(/<text /g)).toHaveLength(4);
  });

  it('grows with the class count and the font size; wraps into columns within maxWidth', () => {
    const h3 = legendSvg(LABELS, undefined, { present: [0, 1, 2] }).height;
    const h6 = legendSvg(LABELS, undefined, { present: [0, 1, 2, 3, 4, 5] }).height;
    expect(h6).toBeGreaterThan(h3);
    const rowHeight = Math.round(14 * 1.6);
    expect(h6 - h3).toBe(3 * rowHeight);
    const big = legendSvg(LABELS, undefined, { present: [0, 1, 2], fontSize: 100 });
    expect(big.height).toBeGreaterThan(5 * h3);
    const one = legendSvg(LABELS, undefined, {});
    const wrapped = legendSvg(LABELS, undefined, { maxWidth: one.width * 3 });
    expect(wrapped.columns).toBe(3);
    expect(wrapped.rows).toBe(7);
    expect(wrapped.width).toBeLessThanOrEqual(one.width * 3);
    expect(wrapped.height).toBeLessThan(one.height / 2);
  });
});

describe('renderLegend', () => {
  it('renders a PNG of the laid-out size whose height grows with the classes present', async () => {
    const few = await renderLegend(LABELS, undefined, { present: [1, 13] });
    const many = await renderLegend(LABELS, undefined, { present: [0, 1, 2, 4, 5, 13, 17, 18] });
    const a = await sharp(few).metadata();
    const b = await sharp(many).metadata();
    expect(a.format).toBe('png');
    expect(a.width).toBe(legendSvg(LABELS, undefined, { present: [1, 13] }).width);
    expect(a.height).toBe(legendSvg(LABELS, undefined, { present: [1, 13] }).height);
    expect(b.height!).toBeGreaterThan(a.height!);
  });

  it('renders tiny shares (<0.1%) as escaped text', async () => {
    const shares = [0.9999, 0.0001];
    expect(legendSvg(['background', 'skin'], undefined, { shares }).svg).toContain('&lt;0.1%');
    const meta = await sharp(await renderLegend(['background', 'skin'], undefined, { shares })).metadata();
    expect(meta.format).toBe('png');
  });

  it('draws the swatch colours and dark text', async () => {
    const png = await renderLegend(
      ['background', 'skin'],
      [
        [0, 0, 0],
        [0, 200, 0],
      ],
      { present: [1], fontSize: 20 },
    );
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    const pad = Math.round(20 * 0.7);
    const swatch = Math.round(20 * 1.1);
    // Middle of the only swatch.
    expect(at(pad + swatch / 2, pad + swatch / 2)).toEqual([0, 200, 0]);
    // Text pixels exist right of the swatch: some dark pixel in the row band.
    let dark = 0;
    for (let y = pad; y < pad + swatch; y++) for (let x = pad + swatch + 2; x < info.width - pad; x++) if (at(x, y)[0] < 100) dark++;
    expect(dark).toBeGreaterThan(20);
    // And the name fits inside the image: the right padding column is background.
    for (let y = 0; y < info.height; y++) expect(at(info.width - 2, y)).toEqual([255, 255, 255]);
  });
});
