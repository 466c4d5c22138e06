/**
 * The measure `faces: 'auto'` decides on (src/faces/facesMode.ts), per photo: the faces found,
 * the IoU of the best face's aligned crop with the photo, the size of that crop against the
 * photo's longer side, and what auto picks. Run it on aligned crops, portraits, scenes and
 * crowds to see where the threshold sits:
 *
 *   node dist/scripts/faces-auto.js ../shared/data/photos ../shared/data/celebamask-mini/val/images /tmp/wild/images
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { detectFaces } from '../src/faces/detectFaces.js';
import { decideFaces, FACE_CROP_MIN_SCORE } from '../src/faces/facesMode.js';
import { faceExtent } from '../src/faces/ladder.js';
import { createNodeDetectorRunner } from '../src/platform/node/faceDetector.js';
import { decodeImage } from '../src/platform/node/index.js';

const runner = await createNodeDetectorRunner();
for (const folder of process.argv.slice(2)) {
  const names = (await readdir(folder)).filter((n) => /\.(jpe?g|png|webp)$/i.test(n)).sort();
  const ious: number[] = [];
  let whole = 0;
  for (const name of names) {
    const image = await decodeImage(join(folder, name));
    const candidates = await detectFaces(image, runner, { minScore: FACE_CROP_MIN_SCORE });
    const decision = decideFaces('auto', candidates, 0.5, image.width, image.height, { width: 512, height: 512 });
    const share = decision.faces[0] ? faceExtent(decision.faces[0]) / Math.max(image.width, image.height) : 0;
    ious.push(decision.cropIoU);
    if (decision.wholePhoto) whole++;
    if (names.length <= 12)
      console.log(
        `${name}: ${decision.faces.length} faces, crop IoU ${decision.cropIoU.toFixed(2)}, crop/long side ${share.toFixed(2)} -> ${decision.wholePhoto ? 'whole photo' : 'face by face'}`,
      );
  }
  const sorted = [...ious].sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!.toFixed(2);
  console.log(`${folder}: ${names.length} photos, crop IoU min ${q(0)} median ${q(0.5)} max ${q(1)}; auto parses ${whole} whole`);
}
await runner.release?.();
