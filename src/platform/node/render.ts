/**
 * The renderers bound to sharp (the Node codec), and label PNG decoding: the Node side of
 * `outputs/render.ts`, with the signatures the library has always exported.
 */
import { readFile } from 'node:fs/promises';
import { FaceParseError } from '../../base/errors.js';
import { createRenderer } from '../../outputs/render.js';
import { bareGreyPng, decodeLabelPngBytes, pngHeader, type LabelMap } from '../../image/labelPng.js';
import { nodeCodec } from './codec.js';
import { loadSharp } from './sharp.js';

export const nodeRenderer = createRenderer(nodeCodec);
export const { encodeLabelPng, renderLegend, renderColorMap, renderOverlay, renderClassMasks } = nodeRenderer;

/**
 * Class ids from a label PNG (a path or its bytes): greyscale PNGs give their grey values, palette PNGs
 * (as in CelebAMask-HQ) their palette indices. 8-bit files (the usual ones) decode through sharp, others
 * (1/2/4/16-bit) through fast-png. Throws INPUT_UNREADABLE for colour PNGs, corrupt files and non-PNGs.
 */
export async function decodeLabelPng(input: string | Uint8Array): Promise<LabelMap> {
  let bytes: Uint8Array;
  let source = 'label PNG';
  if (typeof input === 'string') {
    source = input;
    try {
      bytes = await readFile(input);
    } catch (error) {
      throw new FaceParseError('INPUT_UNREADABLE', `cannot read label PNG ${input}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  } else if (input instanceof Uint8Array) {
    bytes = input;
  } else {
    throw new FaceParseError('INVALID_ARGUMENT', 'decodeLabelPng: pass a file path or the PNG bytes (Buffer/Uint8Array)');
  }
  const header = pngHeader(bytes);
  if (header?.depth !== 8 || (header.colourType !== 0 && header.colourType !== 3)) {
    return decodeLabelPngBytes(bytes, source); // slow path, and every error message
  }
  const { png: grey, palette } = bareGreyPng(bytes, source);
  const sharp = await loadSharp();
  let data: Buffer;
  let info: { channels: number; width: number; height: number };
  try {
    ({ data, info } = await sharp(grey).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true }));
  } catch (error) {
    throw new FaceParseError('INPUT_UNREADABLE', `${source}: cannot decode PNG: ${(error as Error).message}`, { cause: error });
  }
  if (info.channels !== 1 || data.length !== header.width * header.height) {
    throw new FaceParseError('INPUT_UNREADABLE', `${source}: decoded ${info.channels} channels of ${info.width}x${info.height}`);
  }
  const map: LabelMap = { mask: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  if (palette) map.palette = palette;
  return map;
}
