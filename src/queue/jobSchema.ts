/**
 * What a queue job carries and what it returns, checked with zod when a worker takes it: a job
 * is one photo, with everything `faceparse parse` would know about it, so the worker writes the
 * same files the CLI writes. The parse options are the schemas of src/options, the ones the CLI
 * and the service check them with.
 */
import { isAbsolute, normalize, sep } from 'node:path';
import { z } from 'zod';
import { alphaOption, facesOption, featherOption, flipOption, growOption, labelSetOption, outputsOption, scalesOption } from '../options/parseOptions.js';
import { variantOption } from '../options/parserOptions.js';

const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => isAbsolute(p) && !p.includes('\0'), 'must be an absolute path');

/** A stem is relative to the out folder and may not climb out of it. */
const stem = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !isAbsolute(s) && !normalize(s).split(sep).includes('..') && !s.includes('\0'), 'must be a path inside the out folder');

export const parseJobSchema = z.object({
  /** The job format, so a later faceparse can tell old jobs apart. */
  version: z.literal(1),
  batch: z.string().min(1),
  /** The photo, as an absolute path on the filesystem the workers share with the submitter. */
  input: absolutePath,
  /** The output folder (absolute) and the photo's stem in it: the layout of `faceparse parse`. */
  out: absolutePath,
  stem,
  outputs: outputsOption,
  alpha: alphaOption,
  model: z.object({
    source: z.string().min(1).optional(),
    key: z.string().min(1),
    variant: variantOption.optional(),
  }),
  faces: facesOption.optional(),
  flip: flipOption,
  scales: scalesOption.optional(),
  /** HMAC-SHA256 of the rest (src/queue/jobAccess.ts), when the submitter has a --job-secret. */
  signature: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** Region masks (`--region`), checked against the worker's model when it takes the job. */
  regions: z.array(z.object({ name: z.string().min(1), classes: z.array(z.union([z.string().min(1), z.number().int().min(0)])).min(1) })).optional(),
  grow: growOption.optional(),
  feather: featherOption.optional(),
  labelSet: labelSetOption.optional(),
});

export type ParseJobData = z.infer<typeof parseJobSchema>;

/** What a finished job returns (kept in Redis as the job's return value, shown by `status --json`). */
export interface ParseJobResult {
  input: string;
  stem: string;
  files: string[];
  model: string;
  variant: string;
  width: number;
  height: number;
  /** Pixels per class present, by label. */
  pixels: Record<string, number>;
  /** Milliseconds per stage: decode, preprocess, inference, postprocess, encode (outputs written included). */
  timings: Record<string, number>;
  /** `host:pid` of the worker that did it. */
  worker: string;
}

/** The job's data if it is a faceparse job, else why not (one line). */
export function checkJobData(data: unknown): { ok: true; data: ParseJobData } | { ok: false; problem: string } {
  const parsed = parseJobSchema.safeParse(data);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`).join('; ') };
}
