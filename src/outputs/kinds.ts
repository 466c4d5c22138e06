/** The output kinds faceparse writes for a parsed photo, and the parsing of a `--outputs` list. */
import { checkText } from '../options/checkOption.js';
import { DEFAULT_OUTPUTS, OUTPUT_KINDS, type OutputKind, outputKindList, outputsOption } from '../options/parseOptions.js';

export { DEFAULT_OUTPUTS, OUTPUT_KINDS, type OutputKind };

/** A comma list of kinds (e.g. "labels,json"), checked; `flag` names the option in the message. */
export function parseOutputKinds(value: string, flag = '--outputs', allowed: readonly string[] = OUTPUT_KINDS): OutputKind[] {
  const kinds = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const schema = allowed === OUTPUT_KINDS ? outputsOption : outputKindList(allowed as readonly OutputKind[]);
  return [...new Set(checkText(schema, kinds, value, flag))];
}
