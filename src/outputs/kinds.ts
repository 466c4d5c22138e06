/** The output kinds faceparse writes for a parsed photo, and the parsing of a `--outputs` list. */
import { FaceParseError } from '../base/errors.js';

export const OUTPUT_KINDS = ['labels', 'color', 'overlay', 'masks', 'json', 'confidence'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** What `faceparse parse` writes when `--outputs` is not given. */
export const DEFAULT_OUTPUTS: readonly OutputKind[] = ['labels', 'color', 'overlay', 'json'];

/** A comma list of kinds (e.g. "labels,json"), checked; `flag` names the option in the message. */
export function parseOutputKinds(value: string, flag = '--outputs', allowed: readonly string[] = OUTPUT_KINDS): OutputKind[] {
  const kinds = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !allowed.includes(k));
  if (unknown.length || kinds.length === 0) {
    throw new FaceParseError('INVALID_ARGUMENT', `${flag} ${JSON.stringify(value)}: unknown ${unknown.join(', ') || '(empty)'}; choose from ${allowed.join(',')}`);
  }
  return [...new Set(kinds)] as OutputKind[];
}
