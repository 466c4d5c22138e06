import { describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { paletteFor, paletteTable, resolvePalette } from '../../src/visualize/palette.js';

describe('palette', () => {
  it('CelebAMask-HQ colours are by name and all distinct', () => {
    const colours = paletteFor([...CELEBAMASK_HQ_LABELS]);
    expect(colours[0]).toEqual([0, 0, 0]);
    expect(colours[1]).toEqual([204, 153, 122]);
    expect(new Set(colours.map((c) => c.join(','))).size).toBe(19);
  });

  it('paletteTable: 256 entries, ids past the labels get generated non-black colours', () => {
    const table = paletteTable(['background', 'skin']);
    expect(table.length).toBe(768);
    expect([...table.subarray(3, 6)]).toEqual([204, 153, 122]);
    for (let id = 2; id < 256; id++) expect(table[id * 3] + table[id * 3 + 1] + table[id * 3 + 2]).toBeGreaterThan(0);
  });

  it('resolvePalette accepts names, [r,g,b] lists and flat tables, and copies its input', () => {
    expect([...resolvePalette(['skin']).subarray(0, 3)]).toEqual([204, 153, 122]);
    expect([
      ...resolvePalette([
        [1, 2, 3],
        [4, 5, 6],
      ]).subarray(0, 6),
    ]).toEqual([1, 2, 3, 4, 5, 6]);
    const flat = Uint8Array.from([9, 8, 7]);
    const table = resolvePalette(flat);
    expect([...table.subarray(0, 3)]).toEqual([9, 8, 7]);
    table[0] = 0;
    expect(flat[0]).toBe(9);
    // The same generated colour for id 5 whatever the input form.
    expect([...resolvePalette(flat).subarray(15, 18)]).toEqual([...paletteTable([]).subarray(15, 18)]);
  });

  it('rejects malformed palettes with a message that says what to pass', () => {
    expect(() => resolvePalette(Uint8Array.from([1, 2]))).toThrow(/3 bytes per class/);
    expect(() => resolvePalette([[1, 2, 300]])).toThrow(/entry 0 blue is 300/);
    expect(() => resolvePalette({} as never)).toThrow(/class names, an array of \[r, g, b\]/);
  });
});
