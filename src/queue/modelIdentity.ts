/**
 * Which model a job asks for, written so that any worker can tell whether it runs that model:
 * the embedded model is `default` (its folder differs between installs), a folder is its absolute
 * path (on the filesystem workers share), a hub id is `owner/name@revision`.
 */
import type { ModelVariant } from '../base/types.js';
import { DEFAULT_REVISION } from '../hub/ids.js';
import { parseModelSource } from '../hub/resolve.js';

export interface ModelRequest {
  /** What to pass to FaceParser.create as `model`: undefined = the embedded model. */
  source?: string;
  /** The comparable identity (see the file comment). */
  key: string;
  /** The variant asked for; undefined = the model's default (as `faceparse parse` picks it). */
  variant?: ModelVariant;
}

/** Normalises a `--model` value (relative folders become absolute: jobs run elsewhere). */
export function modelRequest(model: string | undefined, variant?: ModelVariant): ModelRequest {
  const source = parseModelSource(model);
  const base = { ...(variant === undefined ? {} : { variant }) };
  if (source.kind === 'default') return { key: 'default', ...base };
  if (source.kind === 'local') return { source: source.dir, key: source.dir, ...base };
  const revision = source.id.revision ?? DEFAULT_REVISION;
  return { source: `${source.id.id}@${revision}`, key: `${source.id.id}@${revision}`, ...base };
}

/** How a model request reads in messages and `--model` flags. */
export function describeModel(request: Pick<ModelRequest, 'key' | 'variant'>): string {
  const name = request.key === 'default' ? 'the embedded model' : request.key;
  return request.variant === undefined ? name : `${name} (${request.variant})`;
}

/**
 * True when a worker started with `running` (and loaded as `loadedVariant`) produces what a job
 * asking for `wanted` must get: the same model, and the variant asked for (a job that names no
 * variant needs the model's default, which is what a worker started without --variant loaded).
 */
export function sameModel(wanted: Pick<ModelRequest, 'key' | 'variant'>, running: Pick<ModelRequest, 'key' | 'variant'>, loadedVariant: ModelVariant): boolean {
  if (wanted.key !== running.key) return false;
  if (wanted.variant === undefined) return running.variant === undefined;
  return wanted.variant === loadedVariant;
}
