/**
 * `faceparse/web`: reserved for the browser build (the same FaceParser API on the platform seam,
 * with canvas decoding and onnxruntime-web). Until it lands, importing it works and using it says so.
 */
import { FaceParseError } from '../base/errors.js';

export class FaceParser {
  static async create(): Promise<never> {
    throw new FaceParseError('DEVICE_UNAVAILABLE', "faceparse/web is not built yet; use `import { FaceParser } from 'faceparse'` in Node");
  }
}
