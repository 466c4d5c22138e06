/** Parse options written as text (command-line flags, query parameters), checked; errors name the flag or parameter. */
import { FaceParseError } from '../base/errors.js';
import { checkScales, MAX_SCALE_COUNT } from '../postprocess/multiscale.js';

/** A command-line list of scales, e.g. "0.75,1,1.25", checked as checkScales does; errors name the flag. */
export function parseScaleList(value: string, flag: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const shown = value.length > 60 ? `${value.slice(0, 40)}... (${parts.length} entries)` : value;
  if (parts.length > MAX_SCALE_COUNT) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `${flag} "${shown}": ${parts.length} scales, at most ${MAX_SCALE_COUNT} (each is a pass through the model); give a short list that includes 1, e.g. 0.75,1,1.25`,
    );
  }
  const scales = parts.map(Number);
  const bad = parts.find((p, i) => p === '' || !Number.isFinite(scales[i]));
  if (bad !== undefined)
    throw new FaceParseError('INVALID_ARGUMENT', `${flag} "${value}": "${bad}" is not a number; give a comma list that includes 1, e.g. 0.75,1,1.25`);
  try {
    checkScales(scales);
  } catch (error) {
    throw new FaceParseError('INVALID_ARGUMENT', `${flag} "${value}": ${(error as Error).message.replace(/^scales \[[^\]]*\]: /, '')}`);
  }
  return scales;
}
