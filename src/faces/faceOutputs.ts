/**
 * The `faces` output: per face of a per-face parse, its aligned crop (`<stem>.face0.png`, what the
 * model saw) and the crop's label map (`<stem>.face0.labels.png`, class ids, before paste-back).
 */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { ParseResult } from '../core/result.js';
import { encodeLabelPng } from '../visualize/index.js';
import { invertAffine } from './affine.js';
import { warpFaceCrop } from './modelInput.js';

/** Writes the files next to `base` (the output path without extension); returns their paths. */
export async function writeFaceOutputs(result: ParseResult, base: string): Promise<string[]> {
  const files: string[] = [];
  for (const face of result.faces) {
    const alignment = { photoToCrop: face.transform, cropToPhoto: invertAffine(face.transform), width: face.cropWidth, height: face.cropHeight };
    const crop = warpFaceCrop(result.image, alignment);
    const cropPng = await sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: 3 } }).png({ compressionLevel: 2 }).toBuffer();
    const labelsPng = await encodeLabelPng(face.labelMap(), face.cropWidth, face.cropHeight);
    const stem = `${base}.face${face.index}`;
    await writeFile(`${stem}.png`, cropPng);
    await writeFile(`${stem}.labels.png`, labelsPng);
    files.push(`${stem}.png`, `${stem}.labels.png`);
  }
  return files;
}
