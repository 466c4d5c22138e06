/**
 * `faceparse parse --outputs region`: region masks against the same run's label map, as a user checks
 * them: equal to their classes without --grow/--feather, containing and exceeding them with --grow 6,
 * inside them with --grow -4, soft-edged with --feather 8 and 255 / 0 beyond 12 px inside / outside.
 * Real photos from ../shared where present, the golden photo otherwise; the embedded model.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_LABELS as HQ } from '../../src/base/labels.js';
import { squaredDistanceTransform } from '../../src/metrics/distanceTransform.js';
import { decodeLabelPng } from '../../src/platform/node/render.js';
import { GOLDEN_DIR } from '../helpers/golden.js';

const BIN = resolve('dist/src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'faceparse-region-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SHARED_PHOTO = resolve('../shared/data/photos/pexels-davide-de-giovanni-3171822.jpg');
const PHOTO = existsSync(SHARED_PHOTO) ? SHARED_PHOTO : join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
const STEM = PHOTO.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
const REGIONS: Record<string, string[]> = {
  face: ['skin', 'nose', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'mouth', 'u_lip', 'l_lip'],
  hair: ['hair'],
  lips: ['u_lip', 'l_lip'],
};

function faceparse(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 280_000 }); // a busy shared machine can take minutes
  return { code: result.status, stderr: result.stderr };
}

/** The pixel values of an 8-bit single-channel PNG (the label map's ids, a region's alpha). */
async function grey(path: string) {
  const { mask, width, height } = await decodeLabelPng(readFileSync(path));
  return { data: mask, width, height };
}

/** One run: the label map and each region mask, with the given shape flags. */
async function run(name: string, flags: string[]) {
  const out = join(tmp, name);
  const result = faceparse([
    'parse',
    PHOTO,
    '--out',
    out,
    '--outputs',
    'labels,region',
    '--region',
    'face',
    '--region',
    'hair',
    '--region',
    'lips=u_lip,l_lip',
    '--threads',
    '1',
    ...flags,
  ]);
  expect(result.code, result.stderr).toBe(0);
  const labels = await grey(join(out, `${STEM}.labels.png`));
  const regions: Record<string, Uint8Array> = {};
  for (const region of Object.keys(REGIONS)) {
    const mask = await grey(join(out, `${STEM}.region-${region}.png`));
    expect([mask.width, mask.height]).toEqual([labels.width, labels.height]);
    regions[region] = mask.data;
  }
  expect(
    readdirSync(out)
      .filter((f) => f.includes('.region-'))
      .sort(),
  ).toEqual(
    Object.keys(REGIONS)
      .map((r) => `${STEM}.region-${r}.png`)
      .sort(),
  );
  const classes = (region: string) => {
    const ids = new Set(REGIONS[region]!.map((n) => HQ.indexOf(n as (typeof HQ)[number])));
    return Uint8Array.from(labels.data, (id) => (ids.has(id) ? 1 : 0));
  };
  return { labels, regions, classes };
}

describe('faceparse parse --outputs region', () => {
  it("without --grow and --feather: 255 exactly on the classes of the same run's label map", { timeout: 600_000 }, async () => {
    const { regions, classes } = await run('plain', []);
    for (const region of Object.keys(REGIONS)) {
      const inside = classes(region);
      expect(
        inside.some((v) => v === 1),
        `${region} is on the photo`,
      ).toBe(true);
      const mask = regions[region]!;
      let wrong = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i] !== (inside[i] ? 255 : 0)) wrong++;
      expect(wrong, region).toBe(0);
    }
  });

  it('--grow 6 contains and exceeds the classes; --grow -4 lies inside them', { timeout: 600_000 }, async () => {
    const grown = await run('grow', ['--grow', '6']);
    const shrunk = await run('shrink', ['--grow', '-4']);
    for (const region of Object.keys(REGIONS)) {
      for (const [name, r, contains] of [
        ['grow 6', grown, true],
        ['grow -4', shrunk, false],
      ] as const) {
        const inside = r.classes(region);
        const mask = r.regions[region]!;
        let outsideClasses = 0;
        let missed = 0;
        let soft = 0;
        for (let i = 0; i < mask.length; i++) {
          if (mask[i] !== 0 && mask[i] !== 255) soft++;
          if (inside[i] && mask[i] === 0) missed++;
          if (!inside[i] && mask[i] === 255) outsideClasses++;
        }
        expect(soft, `${region} ${name}: hard edges`).toBe(0);
        if (contains) {
          expect(missed, `${region} ${name}: class pixels left out`).toBe(0);
          expect(outsideClasses, `${region} ${name}: grows beyond`).toBeGreaterThan(0);
        } else {
          expect(outsideClasses, `${region} ${name}: pixels outside the classes`).toBe(0);
          expect(missed, `${region} ${name}: shrinks`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('--feather 8: a soft edge, 255 more than 12 px inside and 0 more than 12 px outside', { timeout: 600_000 }, async () => {
    const { labels, regions, classes } = await run('feather', ['--feather', '8']);
    const { width, height } = labels;
    for (const region of ['face', 'hair']) {
      const inside = classes(region);
      const outsideSites = Uint8Array.from(inside, (v) => 1 - v);
      const toInside = squaredDistanceTransform(inside, width, height); // outside pixels: distance to the region
      const toOutside = squaredDistanceTransform(outsideSites, width, height); // inside pixels: distance to the edge
      const mask = regions[region]!;
      let soft = 0;
      let notFullInside = 0;
      let notEmptyOutside = 0;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i]! > 0 && mask[i]! < 255) soft++;
        if (inside[i] && toOutside[i]! > 144 && mask[i] !== 255) notFullInside++;
        if (!inside[i] && toInside[i]! > 144 && mask[i] !== 0) notEmptyOutside++;
      }
      expect(soft, `${region} has a soft edge`).toBeGreaterThan(0);
      expect(notFullInside, `${region}: pixels more than 12 px inside that are not 255`).toBe(0);
      expect(notEmptyOutside, `${region}: pixels more than 12 px outside that are not 0`).toBe(0);
    }
  });

  it('--label-set lapa: ids 0-10 in the label PNG and the JSON; neck and cloth -> 0, skin 1, nose 6, lips 7/9, mouth 8, hair 10', {
    timeout: 600_000,
  }, async () => {
    const golden = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
    const own = join(tmp, 'own');
    const lapa = join(tmp, 'lapa');
    for (const [out, flags] of [
      [own, []],
      [lapa, ['--label-set', 'lapa']],
    ] as const) {
      const result = faceparse(['parse', golden, '--out', out, '--outputs', 'labels,json,masks', '--faces', 'off', '--threads', '1', ...flags]);
      expect(result.code, result.stderr).toBe(0);
    }
    const before = await grey(join(own, 'jpeg_q90.labels.png'));
    const after = await grey(join(lapa, 'jpeg_q90.labels.png'));
    const expected: Record<string, number> = {
      background: 0,
      skin: 1,
      nose: 6,
      eye_g: 1,
      l_eye: 4,
      r_eye: 5,
      l_brow: 2,
      r_brow: 3,
      l_ear: 0,
      r_ear: 0,
      mouth: 8,
      u_lip: 7,
      l_lip: 9,
      hair: 10,
      hat: 0,
      ear_r: 0,
      neck_l: 0,
      neck: 0,
      cloth: 0,
    };
    let wrong = 0;
    for (let i = 0; i < before.data.length; i++) if (after.data[i] !== expected[HQ[before.data[i]!]!]) wrong++;
    expect(wrong).toBe(0);
    const json = JSON.parse(readFileSync(join(lapa, 'jpeg_q90.json'), 'utf8'));
    expect(json.labels).toEqual([
      'background',
      'skin',
      'left_eyebrow',
      'right_eyebrow',
      'left_eye',
      'right_eye',
      'nose',
      'upper_lip',
      'inner_mouth',
      'lower_lip',
      'hair',
    ]);
    expect(json.labelSet).toBe('lapa');
    expect(json.classes.reduce((s: number, c: { pixels: number }) => s + c.pixels, 0)).toBe(after.width * after.height);
    for (const file of readdirSync(join(lapa, 'jpeg_q90.masks'))) expect(json.labels).toContain(file.replace(/\.png$/, ''));
  });

  it('refuses bad regions before parsing, naming the valid ones', () => {
    const unknown = faceparse(['parse', PHOTO, '--out', join(tmp, 'bad'), '--region', 'beard']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--region beard: no class or preset "beard"; presets are face, head, hair/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    const empty = faceparse(['parse', PHOTO, '--out', join(tmp, 'bad'), '--outputs', 'region']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/--outputs region needs at least one --region/);
    const grow = faceparse(['parse', PHOTO, '--out', join(tmp, 'bad'), '--region', 'face', '--grow', 'wide']);
    expect(grow.stderr).toMatch(/--grow: expected a number from -10000 to 10000, got 'wide'/);
  });
});
