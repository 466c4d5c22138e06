/** Test helpers: temporary folders and label-map / photo files made on the fly (nothing committed). */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encode } from 'fast-png';
import sharp from 'sharp';
import { afterAll } from 'vitest';
import type { FaceParseError } from '../../src/base/errors.js';

/** A fresh temporary folder, removed after the file's tests. */
export function tempDir(prefix = 'faceparse-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes an 8-bit label PNG: palette PNG when `palette` is given (flat RGB triples), greyscale otherwise. */
export function writeLabelPng(path: string, data: Uint8Array, width: number, height: number, palette?: Array<[number, number, number]>): void {
  mkdirSync(dirname(path), { recursive: true });
  const png = palette ? encode({ width, height, data, depth: 8, channels: 1, palette }) : encode({ width, height, data, depth: 8, channels: 1 });
  writeFileSync(path, png);
}

/** Writes a photo (solid grey JPEG or PNG by extension) of the given size. */
export async function writePhoto(path: string, width: number, height: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const image = sharp({ create: { width, height, channels: 3, background: { r: 120, g: 100, b: 90 } } });
  await (path.endsWith('.png') ? image.png() : image.jpeg()).toFile(path);
}

/** A label map with a filled rectangle of class `c` on background 0. */
export function rectangleMap(width: number, height: number, rects: Array<[x: number, y: number, w: number, h: number, c: number]>): Uint8Array {
  const data = new Uint8Array(width * height);
  for (const [x0, y0, w, h, c] of rects) {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) data[y * width + x] = c;
  }
  return data;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function errorOf<E = FaceParseError>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected an error');
}
