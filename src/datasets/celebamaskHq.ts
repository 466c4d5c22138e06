/**
 * Layout (b): the original CelebAMask-HQ release.
 *   CelebA-HQ-img/<id>.jpg                                   1024x1024 photos, id 0..29999
 *   CelebAMask-HQ-mask-anno/<k>/<id, 5 digits>_<part>.png    512x512 binary part masks, k = floor(id / 2000)
 * The parts of one id are merged into one 512x512 label map in the standard order (that of the
 * release's g_mask.py), later parts overwriting earlier ones, onto background 0; photos are resized to
 * 512x512 to match. Optional split files select train/val/test as CelebA's partition does:
 *   CelebA-HQ-to-CelebA-mapping.txt (in the release) and list_eval_partition.txt (from CelebA).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSharp } from '../platform/node/sharp.js';
import { FaceParseError } from '../base/errors.js';
import { CELEBAMASK_HQ_LABELS } from '../base/labels.js';
import { listSome } from './files.js';
import { readLabelMap } from './readLabelMap.js';
import type { Dataset, DatasetSample } from './types.js';

/**
 * Part names in merge order: a later part overwrites an earlier one where both are set. The
 * release's merge order is its class order (CelebAMask-HQ's own script), so the parts are the
 * label list without background.
 */
export const CELEBAMASK_HQ_PARTS = CELEBAMASK_HQ_LABELS.slice(1);

export const CELEBAMASK_HQ_IMAGES = 'CelebA-HQ-img';
export const CELEBAMASK_HQ_ANNOTATIONS = 'CelebAMask-HQ-mask-anno';
export const CELEBAMASK_HQ_MAPPING = 'CelebA-HQ-to-CelebA-mapping.txt';
export const CELEBA_PARTITION = 'list_eval_partition.txt';
const MASK_SIZE = 512;
const SPLITS: Readonly<Record<string, number>> = { train: 0, val: 1, test: 2 };

export interface CelebAMaskHqOptions {
  /** train, val or test (needs the split files); default: every annotated image. */
  split?: string;
}

/**
 * Merges part masks (each 512x512, non-zero = the part) into one label map with CelebAMask-HQ ids.
 * `parts` maps part name -> mask data; order of application is CELEBAMASK_HQ_PARTS.
 */
export function mergeCelebAMaskHqParts(parts: ReadonlyMap<string, Uint8Array>, size = MASK_SIZE): Uint8Array {
  const labels = new Uint8Array(size * size);
  for (const part of CELEBAMASK_HQ_PARTS) {
    const mask = parts.get(part);
    if (!mask) continue;
    const id = CELEBAMASK_HQ_LABELS.indexOf(part);
    for (let i = 0; i < labels.length; i++) if (mask[i] !== 0) labels[i] = id;
  }
  return labels;
}

async function readSplitIds(root: string, split: string): Promise<Set<number>> {
  const code = SPLITS[split];
  if (code === undefined) {
    throw new FaceParseError('INVALID_ARGUMENT', `split "${split}" is not one of train, val, test (CelebA's partition).`);
  }
  const mappingPath = join(root, CELEBAMASK_HQ_MAPPING);
  const partitionPath = join(root, CELEBA_PARTITION);
  let mapping: string;
  let partition: string;
  try {
    [mapping, partition] = await Promise.all([readFile(mappingPath, 'utf8'), readFile(partitionPath, 'utf8')]);
  } catch {
    throw new FaceParseError(
      'DATASET_INVALID',
      `a CelebAMask-HQ split needs ${mappingPath} (part of the release) and ${partitionPath} (CelebA's Eval/list_eval_partition.txt); ` +
        'copy them there, or leave out the split to score every image.',
    );
  }
  // CelebA files by number ("000123.jpg" and "123.jpg" are the same image).
  const fileNumber = (file: string) => Number.parseInt(file, 10);
  const partOf = new Map<number, number>();
  for (const line of partition.split(/\r?\n/)) {
    const [file, value] = line.trim().split(/\s+/);
    if (file && value !== undefined) partOf.set(fileNumber(file), Number(value));
  }
  const ids = new Set<number>();
  for (const line of mapping.split(/\r?\n/).slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3) continue;
    const [hqId, , originalFile] = fields;
    if (partOf.get(fileNumber(originalFile)) === code) ids.add(Number(hqId));
  }
  if (ids.size === 0) {
    throw new FaceParseError('DATASET_INVALID', `${mappingPath} and ${partitionPath} give no image for split "${split}": check both files.`);
  }
  return ids;
}

export async function openCelebAMaskHq(root: string, options: CelebAMaskHqOptions = {}): Promise<Dataset> {
  const imageDir = join(root, CELEBAMASK_HQ_IMAGES);
  const annotationDir = join(root, CELEBAMASK_HQ_ANNOTATIONS);
  let imageNames: string[];
  let folders: string[];
  try {
    [imageNames, folders] = await Promise.all([readdir(imageDir), readdir(annotationDir)]);
  } catch (error) {
    throw new FaceParseError(
      'DATASET_INVALID',
      `${root}: expected the CelebAMask-HQ folders ${CELEBAMASK_HQ_IMAGES}/ and ${CELEBAMASK_HQ_ANNOTATIONS}/ (${(error as Error).message}).`,
      { cause: error },
    );
  }
  const images = new Map<number, string>();
  for (const name of imageNames) {
    const match = /^(\d+)\.jpg$/i.exec(name);
    if (match) images.set(Number(match[1]), join(imageDir, name));
  }
  const parts = new Map<number, Map<string, string>>();
  const unknown: string[] = [];
  const known = new Set<string>(CELEBAMASK_HQ_PARTS);
  for (const folder of folders.sort()) {
    if (!/^\d+$/.test(folder)) continue;
    for (const name of await readdir(join(annotationDir, folder))) {
      const match = /^(\d{5})_([a-z_]+)\.png$/i.exec(name);
      if (!match) continue;
      const part = match[2].toLowerCase();
      if (!known.has(part)) {
        unknown.push(`${folder}/${name}`);
        continue;
      }
      const id = Number(match[1]);
      if (!parts.has(id)) parts.set(id, new Map());
      parts.get(id)!.set(part, join(annotationDir, folder, name));
    }
  }
  if (unknown.length > 0) {
    throw new FaceParseError(
      'DATASET_INVALID',
      `${annotationDir}: part masks with unknown part names: ${listSome(unknown)}. Known parts: ${CELEBAMASK_HQ_PARTS.join(', ')}.`,
    );
  }
  let ids = [...new Set([...images.keys(), ...parts.keys()])].sort((a, b) => a - b);
  if (options.split !== undefined) {
    const chosen = await readSplitIds(root, options.split);
    ids = ids.filter((id) => chosen.has(id));
  }
  const noMasks = ids.filter((id) => !parts.has(id)).map(String);
  const noImage = ids.filter((id) => !images.has(id)).map(String);
  if (noMasks.length > 0 || noImage.length > 0) {
    const problems: string[] = [];
    if (noMasks.length > 0) problems.push(`${noMasks.length} images without part masks: ${listSome(noMasks)}`);
    if (noImage.length > 0) problems.push(`${noImage.length} ids with part masks but no image: ${listSome(noImage)}`);
    throw new FaceParseError('DATASET_INVALID', `${root}: missing pairs: ${problems.join('; ')}. Add the missing files or remove the unpaired ones.`);
  }
  if (ids.length === 0) throw new FaceParseError('DATASET_INVALID', `${root}: no annotated images found.`);
  const samples: DatasetSample[] = ids.map((id) => {
    const imagePath = images.get(id)!;
    const partFiles = parts.get(id)!;
    return {
      id: String(id),
      imagePath,
      targetSource: `${annotationDir}/${Math.floor(id / 2000)}/${String(id).padStart(5, '0')}_*.png`,
      loadImage: async () => {
        const sharp = await loadSharp();
        try {
          const image = sharp(imagePath).rotate();
          const meta = await sharp(imagePath).metadata();
          const upright = meta.autoOrient ?? meta;
          if (upright.width !== upright.height) {
            throw new Error(`${upright.width}x${upright.height} is not square; CelebA-HQ photos are`);
          }
          const { data, info } = await image
            .resize(MASK_SIZE, MASK_SIZE, { fit: 'fill' })
            .removeAlpha()
            .toColourspace('srgb')
            .raw()
            .toBuffer({ resolveWithObject: true });
          return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 as const };
        } catch (error) {
          throw new FaceParseError('DATASET_INVALID', `${imagePath}: cannot be used as a CelebA-HQ photo (${(error as Error).message}).`, {
            cause: error,
          });
        }
      },
      loadTarget: async () => {
        const decoded = new Map<string, Uint8Array>();
        for (const [part, path] of partFiles) {
          const mask = await readLabelMap(path);
          if (mask.width !== MASK_SIZE || mask.height !== MASK_SIZE) {
            throw new FaceParseError(
              'DATASET_INVALID',
              `${path} is ${mask.width}x${mask.height}; CelebAMask-HQ part masks are ${MASK_SIZE}x${MASK_SIZE}. Replace the file from the release.`,
            );
          }
          decoded.set(part, mask.mask);
        }
        return { width: MASK_SIZE, height: MASK_SIZE, mask: mergeCelebAMaskHqParts(decoded) };
      },
    };
  });
  return { layout: 'celebamask-hq', root, labels: CELEBAMASK_HQ_LABELS, samples };
}
