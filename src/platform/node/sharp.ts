/**
 * sharp (libvips), loaded on first use: modules that may encode or decode import this instead of
 * sharp itself, so `faceparse --help`, `faceparse/metrics` and scoring folders of predictions never
 * load libvips.
 */
import type sharpModule from 'sharp';

export type Sharp = typeof sharpModule;

let loading: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
