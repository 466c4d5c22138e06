/**
 * Throughput benchmark: faceparse's `parseEach` over a folder of faces, and `parse` of one large
 * photo, against a bare onnxruntime-node loop over the same pixel values with the same session
 * options, in one process, rounds alternating (the machine is shared, so only the ratios mean much).
 *
 *   npm run build && node dist/bench/throughput.js [--model DIR] [--variant q8] [--faces N] [--rounds 3]
 *       [--threads 2] [--sessions 1,2] [--photo PATH] [--no-thread] [--faces-mode auto|on|off]
 *
 * Faces: the first N val images of ../shared/data/celebamask-mini (512x512 JPEGs). Large photo: the
 * largest of ../shared/data/photos (or --photo). For each `--sessions` value the pipeline runs with
 * that many sessions sharing `--threads` threads (0: sessions left unset, the library's default); the bare loop
 * always uses one session with all of them.
 * Printed: images/s of each and their ratio (parseEach / bare), and for the large photo the median
 * end-to-end parse time over the bare run of the same preprocessed input.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { FaceParser } from '../src/node/faceParser.js';
import type { ModelVariant } from '../src/base/types.js';
import type { FacesMode } from '../src/options/parseOptions.js';
import { decodeImage } from '../src/platform/node/decode.js';
import { normalizationTables, preprocess } from '../src/models/segformer/preprocess.js';
import { sessionOptionsFor } from '../src/platform/node/session.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/face-parsing-mini' },
    variant: { type: 'string', default: 'q8' },
    faces: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    sessions: { type: 'string', default: '0,1,2' },
    photo: { type: 'string' },
    'no-thread': { type: 'boolean', default: false },
    'faces-mode': { type: 'string', default: 'auto' },
  },
});
const threads = Number(values.threads);
const facesMode = values['faces-mode'] as FacesMode;
const rounds = Number(values.rounds);
const sessionCounts = values.sessions!.split(',').map(Number);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const valDir = resolve('..', 'shared', 'data', 'celebamask-mini', 'val', 'images');
const photosDir = resolve('..', 'shared', 'data', 'photos');
if (!existsSync(valDir)) {
  console.error(`no faces at ${valDir}: this benchmark reads ../shared (see its README)`);
  process.exit(2);
}
const faces = readdirSync(valDir)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .slice(0, Number(values.faces))
  .map((f) => join(valDir, f));
const bigPhoto =
  values.photo ??
  readdirSync(photosDir)
    .map((f) => join(photosDir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;

const common = { model: values.model, variant: values.variant as ModelVariant, inferenceThread: !values['no-thread'] };
const probe = await FaceParser.create({ ...common, threads });
const onnxPath = probe.resolved!.files.onnx;
const tables = normalizationTables(probe.preprocessor);
const preprocessor = probe.preprocessor;
await probe.close();

const bare = await ort.InferenceSession.create(onnxPath, sessionOptionsFor('cpu', threads));
const feedsOf = async (path: string) => {
  const input = preprocess(await decodeImage(path), preprocessor, tables);
  return { [bare.inputNames[0]!]: new ort.Tensor('float32', input.data, [1, 3, input.height, input.width]) };
};
const faceFeeds = await Promise.all(faces.map(feedsOf));
const bigFeeds = await feedsOf(bigPhoto);

const parsers = new Map<number, FaceParser>();
for (const n of sessionCounts) parsers.set(n, await FaceParser.create({ ...common, threads, ...(n === 0 ? {} : { sessions: n }) }));

async function bareLoop(): Promise<number> {
  const t = performance.now();
  for (const feeds of faceFeeds) await bare.run(feeds);
  return (faceFeeds.length * 1000) / (performance.now() - t);
}

async function pipelineLoop(parser: FaceParser): Promise<number> {
  const t = performance.now();
  let n = 0;
  for await (const item of parser.parseEach(faces, { keepLogits: false, faces: facesMode })) {
    if (item.error) throw item.error;
    n++;
  }
  return (n * 1000) / (performance.now() - t);
}

// Warm-up: every session's first run is slower.
await bareLoop();
for (const parser of parsers.values()) await pipelineLoop(parser);

const bareRates: number[] = [];
const rates = new Map<number, number[]>(sessionCounts.map((n) => [n, []]));
const bareBig: number[] = [];
const parseBig: number[] = [];
const parseBigNoBands: number[] = [];
const noBands = await FaceParser.create({ ...common, threads, rowBands: false });
await noBands.parse(bigPhoto, { keepLogits: false, faces: 'off' });
for (let r = 0; r < rounds; r++) {
  bareRates.push(await bareLoop());
  for (const [n, parser] of parsers) rates.get(n)!.push(await pipelineLoop(parser));
  let t = performance.now();
  await bare.run(bigFeeds);
  bareBig.push(performance.now() - t);
  t = performance.now();
  await parsers.get(sessionCounts[0]!)!.parse(bigPhoto, { keepLogits: false, faces: 'off' });
  parseBig.push(performance.now() - t);
  t = performance.now();
  await noBands.parse(bigPhoto, { keepLogits: false, faces: 'off' });
  parseBigNoBands.push(performance.now() - t);
}
await noBands.close();

const bareRate = median(bareRates);
console.log(
  `model ${values.model} (${values.variant}), ${threads} threads, ${faces.length} faces (parseEach with faces: '${facesMode}'), ${rounds} rounds, inference thread ${common.inferenceThread ? 'on' : 'off'}; the large photo is parsed whole (faces: 'off')`,
);
console.log(`bare session.run loop (1 session x ${threads} threads): ${bareRate.toFixed(2)} images/s`);
for (const [n, xs] of rates) {
  const rate = median(xs);
  const what =
    n === 0
      ? 'the default (sessions unset: folder sessions, 1 thread each)'
      : `${n} session(s) x ${n === 1 ? threads : Math.max(1, Math.floor(threads / n))} thread(s)`;
  console.log(`parseEach, ${what}: ${rate.toFixed(2)} images/s = ${(rate / bareRate).toFixed(3)}x the bare loop`);
}
const meta = `${bigPhoto}`;
console.log(
  `large photo ${meta}: parse ${median(parseBig).toFixed(0)} ms, bare run ${median(bareBig).toFixed(0)} ms = ${(median(parseBig) / median(bareBig)).toFixed(2)}x`,
);
console.log(
  `  without row bands (rowBands: false): ${median(parseBigNoBands).toFixed(0)} ms = ${(median(parseBigNoBands) / median(bareBig)).toFixed(2)}x the bare run`,
);
for (const parser of parsers.values()) await parser.close();
await bare.release();
