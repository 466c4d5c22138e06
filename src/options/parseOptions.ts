/**
 * The per-photo options of a parse, said once: each option's values, default, limits and help as a
 * zod schema with its description. The front ends take them from here instead of re-declaring them:
 * the library's checks (FaceParser.parse in src/pipeline and src/web), the CLI's choices and help
 * (parse, eval, queue submit), the service's query schema and OpenAPI (src/server/routes/parseSchema.ts)
 * and the queue's job schema (src/queue/jobSchema.ts). Pure (zod only), so the browser bundle takes
 * it too.
 */
import { z } from 'zod';

/** Whole photo or face by face; src/faces/facesMode.ts decides what `auto` does with a photo. */
export const facesOption = z
  .enum(['auto', 'on', 'off'])
  .describe(
    'auto: face by face (each face found, aligned, parsed and pasted back) unless the photo already is a face crop; on: always face by face; off: the whole photo, as the reference pipeline does',
  );
export type FacesMode = z.infer<typeof facesOption>;
/** The modes, in the order help lists them. */
export const FACES_MODES: readonly FacesMode[] = facesOption.options;
export const DEFAULT_FACES: FacesMode = 'auto';

/** Opacity of the label colours over the photo in the overlay output. */
export const alphaOption = z.number().min(0).max(1).describe('overlay opacity of the label colours, 0..1');
export const DEFAULT_ALPHA = 0.5;

/** Flip test-time augmentation. */
export const flipOption = z.boolean().describe('also run each photo mirrored and average the logits: a little more accurate, about 2x the inference time');
export const DEFAULT_FLIP = false;
