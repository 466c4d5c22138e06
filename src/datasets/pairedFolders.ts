/**
 * Layout (a): `images/` and `masks/` side by side, a photo and its label map sharing a name
 * (`images/<id>.jpg` + `masks/<id>.png`), as in `../shared/data/celebamask-mini/<split>/`.
 */
import { open } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { bmpSize } from '../image/bmp.js';
import { loadSharp } from '../platform/node/sharp.js';
import { FaceParseError } from '../base/errors.js';
import { CELEBAMASK_HQ_LABELS } from '../base/labels.js';
import { isImageFile, listByStem, pairByStem } from './files.js';
import { isLabelMapFile, readLabelMap } from './readLabelMap.js';
import type { Dataset, DatasetSample } from './types.js';

export interface PairedFoldersOptions {
  /** Class names of the masks in id order (default: CelebAMask-HQ's 19). */
  labels?: readonly string[];
  /** Sub-folder names (defaults `images`, `masks`). */
  imagesFolder?: string;
  masksFolder?: string;
}

/** Width and height of an image as decoded upright (EXIF orientation applied), from its header. */
export async function imageSize(path: string): Promise<{ width: number; height: number }> {
  const sharp = await loadSharp();
  try {
    if (extname(path).toLowerCase() === '.bmp') {
      // libvips reads no BMP; the header holds the size (BMPs have no EXIF orientation).
      const header = new Uint8Array(26);
      const file = await open(path);
      await file.read(header, 0, header.length, 0).finally(() => file.close());
      const bmp = bmpSize(header);
      if (!bmp) throw new Error('not a BMP file');
      return bmp;
    }
    const meta = await sharp(path).metadata();
    const upright = meta.autoOrient ?? meta;
    if (!upright.width || !upright.height) throw new Error('no size in header');
    return { width: upright.width, height: upright.height };
  } catch (error) {
    throw new FaceParseError('DATASET_INVALID', `${path}: cannot be read as an image (${(error as Error).message}). Replace or remove the file and its mask.`, {
      cause: error,
    });
  }
}

export async function openPairedFolders(root: string, options: PairedFoldersOptions = {}): Promise<Dataset> {
  const { labels = CELEBAMASK_HQ_LABELS, imagesFolder = 'images', masksFolder = 'masks' } = options;
  const images = await listByStem(join(root, imagesFolder), isImageFile, 'image');
  const masks = await listByStem(join(root, masksFolder), isLabelMapFile, 'mask');
  const pairs = pairByStem(images, masks, `images in ${join(root, imagesFolder)}`, `masks in ${join(root, masksFolder)}`);
  const samples: DatasetSample[] = pairs.map(({ id, left: imagePath, right: maskPath }) => ({
    id,
    imagePath,
    targetSource: maskPath,
    loadImage: async () => imagePath,
    loadTarget: async () => {
      const [mask, size] = await Promise.all([readLabelMap(maskPath), imageSize(imagePath)]);
      if (mask.width !== size.width || mask.height !== size.height) {
        throw new FaceParseError(
          'DATASET_INVALID',
          `${maskPath} is ${mask.width}x${mask.height} but its image ${imagePath} is ${size.width}x${size.height}: ` +
            'a mask must label every pixel of its image. Resize the mask (nearest neighbour) or fix the pair.',
        );
      }
      return mask;
    },
  }));
  return { layout: 'paired-folders', root, labels, samples };
}
