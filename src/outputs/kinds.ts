/** The output kinds faceparse writes for a parsed photo, and the parsing of a `--outputs` list. */
import { FaceParseError } from '../base/errors.js';

/**
 * `faces`: per face of a per-face parse, its aligned crop and the crop's labels (`.face0.png`, `.face0.labels.png`).
 * `region`: per region asked for (`--region`), its 8-bit alpha mask (`.region-<name>.png`).
 */
export const OUTPUT_KINDS = ['labels', 'color', 'overlay', 'masks', 'json', 'confidence', 'faces', 'region'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** What `faceparse parse` writes when `--outputs` is not given. */
export const DEFAULT_OUTPUTS: readonly OutputKind[] = ['labels', 'color', 'overlay', 'json'];

/** A comma list of kinds (e.g. "labels,json"), checked; `flag` names the option in the message. */
export function parseOutputKinds(value: string, flag = '--outputs', allowed: readonly string[] = OUTPUT_KINDS): OutputKind[] {
  const kinds = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !allowed.includes(k));
  if (unknown.length || kinds.length === 0) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `${flag} ${JSON.stringify(value)}: unknown ${unknown.join(', ') || '(empty)'}; choose from ${allowed.join(',')}`,
    );
  }
  return [...new Set(kinds)] as OutputKind[];
}
