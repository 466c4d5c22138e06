import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_PARTS, mergeCelebAMaskHqParts, openCelebAMaskHq } from '../../src/datasets/celebamaskHq.js';
import { openDataset } from '../../src/datasets/openDataset.js';
import { openPairedFolders } from '../../src/datasets/pairedFolders.js';
import { openPredictionFolders } from '../../src/datasets/predictionFolders.js';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { errorOf, rectangleMap, tempDir, writeLabelPng, writePhoto } from './helpers.js';

describe('paired folders (images/ + masks/)', () => {
  const root = tempDir();

  it('pairs by name, sorted, and checks each mask against its image size', async () => {
    const dir = join(root, 'ok');
    for (const id of ['b', 'a']) {
      await writePhoto(join(dir, 'images', `${id}.jpg`), 8, 6);
      writeLabelPng(join(dir, 'masks', `${id}.png`), rectangleMap(8, 6, [[1, 1, 3, 2, 5]]), 8, 6);
    }
    const dataset = await openPairedFolders(dir);
    expect(dataset.layout).toBe('paired-folders');
    expect(dataset.labels).toBe(CELEBAMASK_HQ_LABELS);
    expect(dataset.samples.map((s) => s.id)).toEqual(['a', 'b']);
    const target = await dataset.samples[0].loadTarget();
    expect([target.width, target.height, target.mask[1 * 8 + 1]]).toEqual([8, 6, 5]);
    expect(await dataset.samples[0].loadImage()).toBe(join(dir, 'images', 'a.jpg'));
  });

  it('lists every missing pair', async () => {
    const dir = join(root, 'missing');
    await writePhoto(join(dir, 'images', 'x1.jpg'), 4, 4);
    await writePhoto(join(dir, 'images', 'x2.jpg'), 4, 4);
    await writePhoto(join(dir, 'images', 'both.jpg'), 4, 4);
    writeLabelPng(join(dir, 'masks', 'both.png'), new Uint8Array(16), 4, 4);
    writeLabelPng(join(dir, 'masks', 'y1.png'), new Uint8Array(16), 4, 4);
    const error = await errorOf(openPairedFolders(dir));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/2 images in .* without masks in .*: x1, x2; 1 masks in .* without images in .*: y1/);
  });

  it('refuses two files with one name, and a mask whose size differs from its image', async () => {
    const dup = join(root, 'dup');
    await writePhoto(join(dup, 'images', 'a.jpg'), 4, 4);
    await writePhoto(join(dup, 'images', 'a.png'), 4, 4);
    writeLabelPng(join(dup, 'masks', 'a.png'), new Uint8Array(16), 4, 4);
    expect((await errorOf(openPairedFolders(dup))).message).toMatch(/several image files share a name: a \(a\.jpg, a\.png\)/);

    const sized = join(root, 'sized');
    await writePhoto(join(sized, 'images', 'a.jpg'), 8, 8);
    writeLabelPng(join(sized, 'masks', 'a.png'), new Uint8Array(16), 4, 4);
    const dataset = await openPairedFolders(sized);
    const error = await errorOf(dataset.samples[0].loadTarget());
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/a\.png is 4x4 but its image .*a\.jpg is 8x8: a mask must label every pixel of its image/);
  });

  it('names an unreadable image', async () => {
    const dir = join(root, 'broken');
    mkdirSync(join(dir, 'images'), { recursive: true });
    writeFileSync(join(dir, 'images', 'a.jpg'), 'not a jpeg');
    writeLabelPng(join(dir, 'masks', 'a.png'), new Uint8Array(4), 2, 2);
    const error = await errorOf((await openPairedFolders(dir)).samples[0].loadTarget());
    expect(error.message).toMatch(/a\.jpg: cannot be read as an image/);
  });
});

describe('openDataset finds the layout', () => {
  const root = tempDir();

  it('uses DIR itself, else DIR/val, else DIR/<split>; says what it expected otherwise', async () => {
    for (const split of ['val', 'test']) {
      await writePhoto(join(root, split, 'images', `${split}1.jpg`), 4, 4);
      writeLabelPng(join(root, split, 'masks', `${split}1.png`), new Uint8Array(16), 4, 4);
    }
    expect((await openDataset(root)).samples.map((s) => s.id)).toEqual(['val1']);
    expect((await openDataset(root, { split: 'test' })).samples.map((s) => s.id)).toEqual(['test1']);
    expect((await openDataset(join(root, 'test'))).samples.map((s) => s.id)).toEqual(['test1']);
    expect((await errorOf(openDataset(root, { split: 'train' }))).message).toMatch(/expected images\/ and masks\/ folders for split "train"/);
    mkdirSync(join(root, 'empty'));
    expect((await errorOf(openDataset(join(root, 'empty')))).message).toMatch(/not a known dataset layout/);
    expect((await errorOf(openDataset(join(root, 'nowhere')))).message).toMatch(/no such folder/);
  });
});

describe('CelebAMask-HQ release layout', () => {
  const root = tempDir();
  const size = 512;

  async function makeRelease(dir: string, ids: number[], withParts = ids) {
    for (const id of ids) await writePhoto(join(dir, 'CelebA-HQ-img', `${id}.jpg`), 1024, 1024);
    for (const id of withParts) {
      const folder = join(dir, 'CelebAMask-HQ-mask-anno', String(Math.floor(id / 2000)));
      const stem = String(id).padStart(5, '0');
      // skin everywhere in the top half; hair over its left part; a hat over part of the hair
      writeLabelPng(join(folder, `${stem}_skin.png`), rectangleMap(size, size, [[0, 0, size, 256, 255]]), size, size);
      writeLabelPng(join(folder, `${stem}_hair.png`), rectangleMap(size, size, [[0, 0, 200, 300, 255]]), size, size);
      writeLabelPng(join(folder, `${stem}_hat.png`), rectangleMap(size, size, [[0, 0, 100, 50, 255]]), size, size);
    }
  }

  it('merges parts in the standard order, later parts over earlier ones, and resizes photos to 512', async () => {
    const dir = join(root, 'release');
    await makeRelease(dir, [3, 2001]);
    const dataset = await openCelebAMaskHq(dir);
    expect(dataset.samples.map((s) => s.id)).toEqual(['3', '2001']);
    expect(dataset.samples[1].targetSource).toMatch(/CelebAMask-HQ-mask-anno\/1\/02001_\*\.png$/);
    const target = await dataset.samples[1].loadTarget();
    const at = (x: number, y: number) => CELEBAMASK_HQ_LABELS[target.mask[y * size + x]];
    expect([at(10, 10), at(150, 10), at(300, 10), at(150, 280), at(300, 400)]).toEqual(['hat', 'hair', 'skin', 'hair', 'background']);
    const photo = await dataset.samples[0].loadImage();
    expect(photo).toMatchObject({ width: 512, height: 512, channels: 3 });
  });

  it('mergeCelebAMaskHqParts: cloth (last) wins over neck over skin', () => {
    const parts = new Map([
      ['skin', Uint8Array.from([1, 1, 1, 0])],
      ['neck', Uint8Array.from([0, 1, 1, 0])],
      ['cloth', Uint8Array.from([0, 0, 1, 0])],
    ]);
    expect(Array.from(mergeCelebAMaskHqParts(parts, 2))).toEqual([1, 17, 18, 0]);
    expect(CELEBAMASK_HQ_PARTS.indexOf('cloth')).toBe(CELEBAMASK_HQ_PARTS.length - 1);
  });

  it('lists images without masks and masks without images; refuses unknown part names', async () => {
    const dir = join(root, 'unpaired');
    await makeRelease(dir, [1, 2], [2, 7]);
    expect((await errorOf(openCelebAMaskHq(dir))).message).toMatch(/1 images without part masks: 1; 1 ids with part masks but no image: 7/);
    const odd = join(root, 'odd');
    await makeRelease(odd, [1]);
    writeLabelPng(join(odd, 'CelebAMask-HQ-mask-anno', '0', '00001_beard.png'), new Uint8Array(4), 2, 2);
    expect((await errorOf(openCelebAMaskHq(odd))).message).toMatch(/unknown part names: 0\/00001_beard\.png/);
  });

  it('selects a split with the mapping and partition files, and says which files a split needs', async () => {
    const dir = join(root, 'split');
    await makeRelease(dir, [0, 1, 2]);
    expect((await errorOf(openCelebAMaskHq(dir, { split: 'val' }))).message).toMatch(
      /CelebA-HQ-to-CelebA-mapping\.txt \(part of the release\) and .*list_eval_partition\.txt/,
    );
    writeFileSync(join(dir, 'CelebA-HQ-to-CelebA-mapping.txt'), 'idx orig_idx orig_file\n0 10 000011.jpg\n1 20 000021.jpg\n2 30 000031.jpg\n');
    writeFileSync(join(dir, 'list_eval_partition.txt'), '000011.jpg 0\n000021.jpg 1\n000031.jpg 1\n');
    expect((await openCelebAMaskHq(dir, { split: 'val' })).samples.map((s) => s.id)).toEqual(['1', '2']);
    expect((await openCelebAMaskHq(dir, { split: 'train' })).samples.map((s) => s.id)).toEqual(['0']);
    expect((await errorOf(openCelebAMaskHq(dir, { split: 'dev' }))).message).toMatch(/not one of train, val, test/);
    expect((await openDataset(dir)).layout).toBe('celebamask-hq');
  });
});

describe('prediction folders', () => {
  const root = tempDir();

  it('pairs predictions with ground truth by name and lists the unpaired', async () => {
    for (const id of ['a', 'b']) writeLabelPng(join(root, 'pred', `${id}.png`), new Uint8Array(4), 2, 2);
    for (const id of ['a', 'c']) writeLabelPng(join(root, 'gt', `${id}.png`), new Uint8Array(4), 2, 2);
    const error = await errorOf(openPredictionFolders(join(root, 'pred'), join(root, 'gt')));
    expect(error.message).toMatch(/1 predictions in .*pred without ground truths in .*gt: b; 1 ground truths in .*gt without predictions in .*pred: c/);
    writeLabelPng(join(root, 'gt', 'b.png'), new Uint8Array(4), 2, 2);
    writeLabelPng(join(root, 'pred', 'c.png'), new Uint8Array(4), 2, 2);
    const pairs = await openPredictionFolders(join(root, 'pred'), join(root, 'gt'));
    expect(pairs.map((p) => p.id)).toEqual(['a', 'b', 'c']);
    await writePhoto(join(root, 'photos', 'a.jpg'), 2, 2);
    expect((await errorOf(openPredictionFolders(join(root, 'pred'), join(root, 'gt'), { imagesDir: join(root, 'photos') }))).message).toMatch(
      /no photo for 2 pairs: b, c/,
    );
  });
});

const sharedVal = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'celebamask-mini');
describe.skipIf(!existsSync(sharedVal))('../shared/data/celebamask-mini (skipped when ../shared is absent)', () => {
  it('opens val by default: 100 pairs of 512x512 photos and 19-class masks', async () => {
    const dataset = await openDataset(sharedVal);
    expect(dataset.root).toBe(join(sharedVal, 'val'));
    expect(dataset.samples).toHaveLength(100);
    const target = await dataset.samples[0].loadTarget();
    expect([target.width, target.height]).toEqual([512, 512]);
    expect(target.mask.every((id) => id < 19)).toBe(true);
    expect((await openDataset(sharedVal, { split: 'train' })).samples).toHaveLength(800);
  });
});
