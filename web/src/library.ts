/**
 * The faceparse bundle, loaded at run time from `faceparse/` beside the app (dist/web copied
 * there by the build), exactly as any page would load it. The app is one more user of the
 * library, and onnxruntime-web never passes through the app's bundler (its thread workers must
 * load its own .mjs, not a chunk of the app).
 */
export type FaceParseModule = typeof import('../../src/web/index.js');
export type { FaceParser, WebParseResult, ModelProgress, WebFaceParserOptions, LabelSummary, RegionMaskOptions, FacesMode } from '../../src/web/index.js';

let loading: Promise<FaceParseModule> | undefined;

export function loadFaceparse(): Promise<FaceParseModule> {
  loading ??= import(/* @vite-ignore */ new URL('faceparse/faceparse.js', document.baseURI).href) as Promise<FaceParseModule>;
  return loading;
}
