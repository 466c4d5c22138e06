/**
 * Detector recall on scenes made by make-wild-scenes.ts: a pasted face counts as found when a
 * detection's nose keypoint, mapped back into that face's crop, lies in the crop's central face
 * region (x 0.3-0.7, y 0.45-0.85 of the side; CelebA-HQ's nose is at about 0.49, 0.65). Also
 * counts detections that match no pasted face (false positives).
 *
 *   npm run build && node dist/scripts/detector-recall.js /tmp/wild
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImage } from '../src/platform/node/index.js';
import { applyAffine, invertAffine } from '../src/faces/affine.js';
import { detectFaces } from '../src/faces/detectFaces.js';
import { createNodeDetectorRunner } from '../src/platform/node/faceDetector.js';
import type { Affine } from '../src/faces/types.js';

const dir = process.argv[2] ?? '/tmp/wild';
const scenes = JSON.parse(await readFile(join(dir, 'scenes.json'), 'utf8')) as Array<{ id: string; faces: Array<{ cropToScene: Affine; cropSize: number }> }>;
const runner = await createNodeDetectorRunner();
let pasted = 0;
let found = 0;
let extra = 0;
let detectMs = 0;
for (const scene of scenes) {
  const image = await decodeImage(join(dir, 'images', `${scene.id}.jpg`));
  const t = performance.now();
  const faces = await detectFaces(image, runner);
  detectMs += performance.now() - t;
  const used = new Set<number>();
  for (const face of scene.faces) {
    pasted++;
    const toCrop = invertAffine(face.cropToScene);
    const hit = faces.findIndex((d, i) => {
      if (used.has(i)) return false;
      const p = applyAffine(toCrop, d.keypoints[2]!);
      const x = p.x / face.cropSize;
      const y = p.y / face.cropSize;
      return x > 0.3 && x < 0.7 && y > 0.45 && y < 0.85;
    });
    if (hit >= 0) {
      found++;
      used.add(hit);
    }
  }
  extra += faces.length - used.size;
}
console.log(`${dir}: ${found}/${pasted} pasted faces found (recall ${((100 * found) / pasted).toFixed(1)}%), ${extra} other detections, ${(detectMs / scenes.length).toFixed(1)} ms per scene`);
await runner.release?.();
