/** Logit paste-back against an independent implementation (scipy map_coordinates) and on overlaps. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invertAffine } from '../../src/faces/affine.js';
import { pasteLogits, pasteSoftmax, type FaceLogits } from '../../src/faces/paste.js';
import type { Affine } from '../../src/faces/types.js';

const golden = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'faces', 'paste_golden.json'), 'utf8')) as {
  classes: number;
  grid: number;
  crop: number;
  width: number;
  height: number;
  faces: Array<{ photoToCrop: number[]; logits: number[] }>;
  labels: number[];
  instance: number[];
};

function face(photoToCrop: Affine, data: Float32Array, classes: number, grid: number, crop: number): FaceLogits {
  return { data, classes, height: grid, width: grid, alignment: { photoToCrop, cropToPhoto: invertAffine(photoToCrop), width: crop, height: crop } };
}

describe('pasteLogits', () => {
  it("equals scipy map_coordinates (bilinear, border-clamped) + arg-max where one crop reaches; on overlaps the owner's own labels", () => {
    const { classes, grid, crop, width, height } = golden;
    const faces = golden.faces.map((f) => face(f.photoToCrop as unknown as Affine, Float32Array.from(f.logits), classes, grid, crop));
    const { categoryMask, instanceMask } = pasteLogits(faces, width, height);
    const alone = faces.map((f) => pasteLogits([f], width, height));
    let overlaps = 0;
    for (let i = 0; i < width * height; i++) {
      const covering = alone.map((a, k) => (a.instanceMask[i] ? k + 1 : 0)).filter((k) => k > 0);
      if (covering.length <= 1) {
        expect(instanceMask[i]).toBe(golden.instance[i]);
        expect(categoryMask[i]).toBe(golden.labels[i]);
        continue;
      }
      overlaps++;
      expect(covering).toContain(instanceMask[i]);
      expect(categoryMask[i]).toBe(alone[instanceMask[i]! - 1]!.categoryMask[i]);
    }
    expect(overlaps).toBeGreaterThan(0);
    expect(golden.instance.filter((v) => v === 0).length).toBeGreaterThan(0); // some background outside both crops
  });

  it('on overlaps a face that labels the pixel wins over one that sees background there, however sure', () => {
    const identity: Affine = [1, 0, 0, 0, 1, 0];
    const sureBackground = new Float32Array(2 * 4);
    const unsureLabel = new Float32Array(2 * 4);
    sureBackground.set([9, 9, 9, 9, 0, 0, 0, 0]);
    unsureLabel.set([0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5]);
    for (const order of [
      [sureBackground, unsureLabel],
      [unsureLabel, sureBackground],
    ]) {
      const { categoryMask, instanceMask } = pasteLogits(
        order.map((d) => face(identity, d, 2, 2, 8)),
        8,
        8,
      );
      expect(new Set(categoryMask)).toEqual(new Set([1]));
      expect(new Set(instanceMask)).toEqual(new Set([order.indexOf(unsureLabel) + 1]));
    }
  });

  it('two overlapping faces: the surer one, which labels the pixel, wins whichever comes first', () => {
    // Two 8x8 crops on a 1x... grid of 2x2 logits, both covering the whole 8x8 photo.
    const identity: Affine = [1, 0, 0, 0, 1, 0];
    const sure = new Float32Array(2 * 4);
    const unsure = new Float32Array(2 * 4);
    sure.set([0, 0, 0, 0, 9, 9, 9, 9]); // class 1, p ~ 1
    unsure.set([1, 1, 1, 1, 0, 0, 0, 0]); // class 0, p ~ 0.73
    for (const order of [
      [sure, unsure],
      [unsure, sure],
    ]) {
      const faces = order.map((d) => face(identity, d, 2, 2, 8));
      const { categoryMask, instanceMask } = pasteLogits(faces, 8, 8);
      expect(new Set(categoryMask)).toEqual(new Set([1]));
      expect(new Set(instanceMask)).toEqual(new Set([order.indexOf(sure) + 1]));
      const { confidence, probabilities } = pasteSoftmax(faces, instanceMask, 8, 8, [1]);
      expect(confidence[0]).toBeCloseTo(1 / (1 + Math.exp(-9)), 6);
      expect(probabilities.get(1)![0]).toBeCloseTo(1 / (1 + Math.exp(-9)), 6);
    }
  });

  it('outside every crop is background with instance 0; no faces give an all-background map', () => {
    const shifted: Affine = [1, 0, -4, 0, 1, 0]; // the crop starts at photo x = 4
    const data = new Float32Array(2 * 4).fill(0);
    data.fill(5, 4); // class 1 everywhere in the crop
    const { categoryMask, instanceMask } = pasteLogits([face(shifted, data, 2, 2, 4)], 10, 4);
    for (let y = 0; y < 4; y++) {
      expect(Array.from(categoryMask.subarray(y * 10, y * 10 + 10))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0]);
      expect(Array.from(instanceMask.subarray(y * 10, y * 10 + 10))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0]);
    }
    const none = pasteLogits([], 5, 5);
    expect(none.categoryMask.every((v) => v === 0) && none.instanceMask.every((v) => v === 0)).toBe(true);
  });
});
