/**
 * Peak memory of `faceparse parse` by photo size, for the memory estimate in the README
 * ("Limits and safety"): each size runs in a fresh process (`/usr/bin/time -v`, maximum resident
 * set size) on a generated JPEG, and a line is fitted through the points: a fixed part (Node, the
 * model, onnxruntime) plus a part per megapixel.
 *
 *   npm run build && node dist/bench/memory.js [--sizes 1,4,16,36] [--outputs labels,color,overlay,json] [--model DIR] [--flip]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,4,16,36' },
    outputs: { type: 'string', default: 'labels,color,overlay,json' },
    model: { type: 'string' },
    flip: { type: 'boolean', default: false },
  },
});
const bin = resolve('dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'faceparse-memory-'));
const points: Array<{ mp: number; mb: number }> = [];
try {
  for (const mp of values.sizes!.split(',').map(Number)) {
    const side = Math.round(Math.sqrt(mp * 1e6));
    const photo = join(dir, `photo-${mp}mp.jpg`);
    // A gradient with some structure, so that decoding and encoding do real work.
    const row = Buffer.alloc(side * 3);
    for (let x = 0; x < side; x++) row.set([(x * 7) & 255, (x * 3) & 255, x & 255], x * 3);
    const raw = Buffer.alloc(side * side * 3);
    for (let y = 0; y < side; y++) row.copy(raw, y * side * 3);
    await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(photo);
    const args = [
      bin,
      'parse',
      photo,
      '--out',
      join(dir, 'out'),
      '--outputs',
      values.outputs!,
      ...(values.model ? ['--model', values.model] : []),
      ...(values.flip ? ['--flip'] : []),
    ];
    const run = spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
    if (run.status !== 0 || !kb) throw new Error(`parse of ${side}x${side} failed:\n${run.stderr}`);
    points.push({ mp: (side * side) / 1e6, mb: kb / 1024 });
    console.log(`${side}x${side} (${((side * side) / 1e6).toFixed(1)} MP): peak RSS ${(kb / 1024).toFixed(0)} MB`);
  }
  // Least squares: mb = fixed + perMp * mp.
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.mp, 0) / n;
  const my = points.reduce((s, p) => s + p.mb, 0) / n;
  const perMp = points.reduce((s, p) => s + (p.mp - mx) * (p.mb - my), 0) / points.reduce((s, p) => s + (p.mp - mx) ** 2, 0);
  console.log(`fit: ${(my - perMp * mx).toFixed(0)} MB + ${perMp.toFixed(1)} MB per megapixel (outputs ${values.outputs}${values.flip ? ', flip' : ''})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
