/**
 * `npm run bench`: runs the benchmarks one after another, each in its own process (so one's threads
 * and caches do not colour the next), with their own default arguments.
 *
 *   npm run bench                      # every benchmark
 *   node dist/bench/run.js throughput  # some of them, by name
 *   node dist/bench/run.js --list
 * A benchmark's own options: run it directly (`node dist/bench/<name>.js --help` or its header comment).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Name -> what it measures. The default run skips those that need models or tools a fresh clone lacks. */
const BENCHMARKS: Record<string, { about: string; needs?: string }> = {
  throughput: { about: 'parseEach over faces and one large photo against a bare onnxruntime loop (ratios)' },
  parse: {
    about: 'per-stage times against the bare session.run; --python adds the reference pipeline',
    needs: 'random-weight models from training/golden/make_random_models.py',
  },
  visualize: { about: 'label-map pictures and summaries against memory-bandwidth baselines' },
  metrics: { about: 'eval scoring of 100 predictions against counting baselines' },
  region: { about: 'region masks (union, grow, shrink, feather) of a 12 MP photo against its parse (ratios)' },
  queue: {
    about: 'photos/s of 1, 2 and 4 queue workers against faceparse parse on the same faces (ratios), and the per-job overhead',
    needs: 'redis-server (apt-get install redis-server)',
  },
  serve: { about: 'faceparse serve under autocannon at 1-32 clients (ratios to the library parse), 503 shedding, peak RSS' },
  faces: {
    about: 'per-face parsing (detect, align, warp, model per face, paste back) against whole-photo parsing, interleaved (ratios), and the detector share',
  },
  memory: { about: 'peak RSS of faceparse parse by photo size (1-36 MP), fitted as fixed + per megapixel (README: Limits and safety)' },
  web: {
    about: 'the browser bundle in headless Chromium against the Node library (same model, photo, threads), live-mode fps',
    needs: '/usr/bin/chromium (apt-get install -y chromium)',
  },
};

const args = process.argv.slice(2);
if (args.includes('--list')) {
  for (const [name, b] of Object.entries(BENCHMARKS)) console.log(`${name.padEnd(12)} ${b.about}${b.needs ? ` (needs ${b.needs})` : ''}`);
  process.exit(0);
}
const unknown = args.filter((a) => !(a in BENCHMARKS));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; run with --list to see them`);
  process.exit(2);
}
const chosen = args.length ? args : Object.keys(BENCHMARKS).filter((name) => !BENCHMARKS[name]!.needs);
let failed = 0;
for (const name of chosen) {
  const script = join(import.meta.dirname, `${name}.js`);
  if (!existsSync(script)) {
    console.error(`bench ${name}: ${script} is missing; run npm run build first`);
    failed++;
    continue;
  }
  console.log(`\n== ${name}: ${BENCHMARKS[name]!.about}`);
  const run = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
