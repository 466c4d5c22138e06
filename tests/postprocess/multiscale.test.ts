import { describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { optionFromText } from '../../src/options/checkOption.js';
import { scalesOption } from '../../src/options/parseOptions.js';
import { addResized, checkScales, scaledInputSize } from '../../src/postprocess/multiscale.js';

/** torch's F.interpolate(mode='bilinear', align_corners=False) of one plane, written out in float64. */
function bilinearReference(src: number[][], outH: number, outW: number): number[][] {
  const h = src.length;
  const w = src[0]!.length;
  const coord = (d: number, inSize: number, outSize: number) => {
    const s = Math.max(0, (inSize / outSize) * (d + 0.5) - 0.5);
    const i0 = Math.min(Math.floor(s), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    return { i0, i1, l: s - i0 };
  };
  return Array.from({ length: outH }, (_, y) => {
    const cy = coord(y, h, outH);
    return Array.from({ length: outW }, (_, x) => {
      const cx = coord(x, w, outW);
      const top = src[cy.i0]![cx.i0]! * (1 - cx.l) + src[cy.i0]![cx.i1]! * cx.l;
      const bottom = src[cy.i1]![cx.i0]! * (1 - cx.l) + src[cy.i1]![cx.i1]! * cx.l;
      return top * (1 - cy.l) + bottom * cy.l;
    });
  });
}

describe('multi-scale test-time augmentation', () => {
  it('scales the model input side to the nearest pixel, halves up, at least 32 (as the Python reference)', () => {
    expect([0.75, 1, 1.25].map((s) => scaledInputSize(512, s))).toEqual([384, 512, 640]);
    expect([0.75, 1, 1.25].map((s) => scaledInputSize(128, s))).toEqual([96, 128, 160]);
    expect(scaledInputSize(500, 0.75)).toBe(375);
    expect(scaledInputSize(101, 0.5)).toBe(51); // 50.5 rounds up
    expect(scaledInputSize(3, 0.5)).toBe(32);
  });

  it('accepts lists that include 1 and rejects the rest with the reason', () => {
    expect(checkScales([1])).toEqual([1]);
    expect(checkScales([1.25, 1, 0.75])).toEqual([1.25, 1, 0.75]);
    const reason = (scales: number[]) => {
      try {
        checkScales(scales);
      } catch (error) {
        expect(error).toBeInstanceOf(FaceParseError);
        expect((error as FaceParseError).code).toBe('INVALID_ARGUMENT');
        return (error as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(scales)}`);
    };
    expect(reason([])).toMatch(/^scales: expected a comma list of 1 to 8 numbers from 0\.25 to 4, got \[\]/);
    expect(reason([0.75, 1.25])).toMatch(/1 is missing.*e\.g\. 0\.75,1,1\.25/);
    expect(reason([1, 1])).toMatch(/repeated/);
    expect(reason([1, 0])).toMatch(/0 is not a number from 0\.25 to 4/);
    expect(reason([1, 5])).toMatch(/5 is not a number from 0\.25 to 4/);
    expect(reason([1, Number.NaN])).toMatch(/NaN is not a number/);
  });

  it('reads a command-line list and names the flag in errors', () => {
    const fromText = (text: string) => optionFromText(scalesOption, text, '--scales');
    expect(fromText('0.75, 1,1.25')).toEqual([0.75, 1, 1.25]);
    expect(() => fromText('0.75,,1')).toThrow(/^--scales: expected a comma list of 1 to 8 numbers from 0\.25 to 4, got '0\.75,,1' \('' is not a number/);
    expect(() => fromText('1,big')).toThrow(/'big' is not a number/);
    expect(() => fromText('0.5,2')).toThrow(/^--scales: expected .*, got '0\.5,2' \(1 is missing/);
  });

  it('adds bilinearly resized planes as torch interpolates them, downscaling and upscaling', () => {
    // 2 classes, 3 x 4 logits.
    const planes = [
      [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9, 10, 11],
      ],
      [
        [3, -1, 0, 2],
        [1, 1, 5, -2],
        [0, 7, 2, 1],
      ],
    ];
    const src = Float32Array.from(planes.flat(2));
    for (const [outH, outW] of [
      [6, 8],
      [2, 3],
      [5, 2],
      [3, 4],
    ] as const) {
      const into = new Float32Array(2 * outH * outW).fill(1);
      addResized(into, src, 2, 3, 4, outH, outW);
      const expected = planes.flatMap((p) =>
        bilinearReference(p, outH, outW)
          .flat()
          .map((v) => v + 1),
      );
      expect(into.length).toBe(expected.length);
      into.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    }
    expect(() => addResized(new Float32Array(12), src, 2, 3, 3, 2, 3)).toThrow(expect.objectContaining({ name: 'FaceParseError', code: 'INVALID_ARGUMENT' }));
    expect(() => addResized(new Float32Array(11), src, 2, 3, 4, 2, 3)).toThrow(expect.objectContaining({ name: 'FaceParseError', code: 'INVALID_ARGUMENT' }));
  });
});
