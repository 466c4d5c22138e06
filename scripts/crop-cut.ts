/**
 * Crop-cut share (src/metrics/cropCut.ts) of every face of a `faceparse parse` output folder:
 * reads each `<stem>.json` (faces[].transform, crop) and its `<stem>.labels.png`, prints each
 * face's share and the mean over faces whose crop spans at least --min-span photo pixels.
 *
 *   node dist/src/cli/main.js parse ../shared/data/photos --out /tmp/p --outputs labels,json
 *   node dist/scripts/crop-cut.js /tmp/p [--min-span 120] [--json]
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readLabelMap } from '../src/datasets/readLabelMap.js';
import { CROP_CUT_GROWTHS, cropCutShare } from '../src/metrics/cropCut.js';
import type { FaceJson } from '../src/faces/faceResult.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'min-span': { type: 'string', default: '120' }, json: { type: 'boolean', default: false } },
});
const folder = positionals[0];
if (!folder) {
  console.error('usage: crop-cut <faceparse output folder> [--min-span 120] [--json]');
  process.exit(2);
}
const minSpan = Number(values['min-span']);
const share = (s: number | undefined) => (s === undefined ? '-' : s.toFixed(3));
const rows: Array<{ photo: string; face: number; span: number; share: number | undefined; perRectangle: Array<number | undefined>; counted: boolean }> = [];
for (const name of (await readdir(folder)).filter((n) => n.endsWith('.json')).sort()) {
  const stem = name.slice(0, -'.json'.length);
  const json = JSON.parse(await readFile(join(folder, name), 'utf8')) as { faces?: FaceJson[] };
  if (!json.faces || json.faces.length === 0) continue;
  const labels = await readLabelMap(join(folder, `${stem}.labels.png`));
  for (const face of json.faces) {
    const score = cropCutShare(labels.mask, labels.width, labels.height, face);
    rows.push({
      photo: stem,
      face: face.index,
      span: Math.round(score.span),
      share: score.share,
      perRectangle: score.perRectangle,
      counted: score.span >= minSpan && score.share !== undefined,
    });
  }
}
const counted = rows.filter((r) => r.counted);
const mean = counted.length === 0 ? undefined : counted.reduce((s, r) => s + r.share!, 0) / counted.length;
if (values.json) {
  console.log(JSON.stringify({ folder, minSpan, faces: rows, counted: counted.length, mean }, null, 1));
} else {
  for (const r of rows)
    console.log(
      `${r.photo} face ${r.face}: span ${r.span} px, share ${share(r.share)}${r.counted ? '' : ' (not counted)'}; per rectangle ${CROP_CUT_GROWTHS.map((g, i) => `${g}x ${share(r.perRectangle[i])}`).join(', ')}`,
    );
  console.log(`mean crop-cut share over ${counted.length} faces with crops >= ${minSpan} px: ${mean === undefined ? '-' : mean.toFixed(3)}`);
}
