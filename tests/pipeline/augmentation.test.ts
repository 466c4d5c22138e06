/**
 * Test-time augmentation within budgets: at most 8 scales, and the model-input pixels of all
 * passes (each scale, twice with flip) at most maxModelPixels, refused before any pass runs with a
 * message that says what to change; in the library, the CLI (a list of 1000 scales ends at once)
 * and per photo for a model that parses photos at their own size.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { augmentationCost, checkAugmentation, DEFAULT_MAX_MODEL_PIXELS } from '../../src/pipeline/augmentation.js';
import { FaceParser } from '../../src/node/faceParser.js';
import { checkScales } from '../../src/postprocess/multiscale.js';
import { FIXTURES, GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';

const BIN = resolve('dist/src/cli/main.js');
const EMBEDDED = resolve('models/face-parsing-mini');
const PHOTO = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
const tmp = mkdtempSync(join(tmpdir(), 'faceparse-augmentation-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The FaceParseError a call throws. */
function thrown(call: () => unknown): FaceParseError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(FaceParseError);
    return error as FaceParseError;
  }
  throw new Error('expected the call to throw');
}

describe('the augmentation budget', () => {
  it('counts every pass: each scale at its rounded size, twice with flip', () => {
    expect(augmentationCost({ width: 512, height: 512 })).toEqual({ modelPixels: 512 * 512, plainPixels: 512 * 512, passes: 1 });
    expect(augmentationCost({ width: 512, height: 512 }, [0.75, 1, 1.25], true)).toEqual({
      modelPixels: 2 * (384 * 384 + 512 * 512 + 640 * 640),
      plainPixels: 512 * 512,
      passes: 6,
    });
    expect(DEFAULT_MAX_MODEL_PIXELS).toBe(8 * 512 * 512);
    expect(() => checkAugmentation({ width: 512, height: 512 }, [0.75, 1, 1.25], true, DEFAULT_MAX_MODEL_PIXELS)).not.toThrow();
    expect(() => checkAugmentation({ width: 512, height: 512 }, [1, 2], false, DEFAULT_MAX_MODEL_PIXELS)).not.toThrow();
    const error = thrown(() => checkAugmentation({ width: 512, height: 512 }, [1, 3.9, 4], false, DEFAULT_MAX_MODEL_PIXELS));
    expect(error).toBeInstanceOf(FaceParseError);
    expect((error as FaceParseError).code).toBe('INVALID_ARGUMENT');
    expect((error as Error).message).toMatch(
      /scales 1,3\.9,4 on the model input of 512x512 run 3 passes of 8\.44 MP .* over the limit of 2\.10 MP.*fewer or smaller scales.*maxModelPixels \(--max-model-pixels\)/,
    );
    expect((thrown(() => checkAugmentation({ width: 512, height: 512 }, [1, 2], true, DEFAULT_MAX_MODEL_PIXELS)) as Error).message).toMatch(
      /with flip .* drop flip/,
    );
    // A plain parse is never refused here, whatever its size.
    expect(() => checkAugmentation({ width: 8000, height: 8000 }, [1], false, 1)).not.toThrow();
  });

  it('at most 8 scales, checked before anything else', () => {
    const many = Array.from({ length: 1000 }, (_, i) => 1 + i / 1000);
    expect((thrown(() => checkScales(many)) as Error).message).toMatch(
      /^scales: expected .*, got \[1, 1\.001, 1\.002, 1\.003, \.\.\. 1000 in all\] \(1000 scales, at most 8/,
    );
    expect(checkScales([0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25])).toHaveLength(8);
  });

  it('the library refuses a parse over maxModelPixels before any pass runs; raising it lets the parse run', async () => {
    const parser = await FaceParser.create({ model: TINY_MODEL, threads: 1, maxModelPixels: 8 * 128 * 128 });
    try {
      const refused = await parser.parse(PHOTO, { faces: 'off', scales: [1, 3.9, 4] }).catch((e: unknown) => e);
      expect((refused as FaceParseError).code).toBe('INVALID_ARGUMENT');
      expect((refused as Error).message).toMatch(/over the limit of 0\.13 MP/);
      await expect(parser.parseBatch([PHOTO], { faces: 'off', scales: [1, 3.9, 4] })).rejects.toThrow(/over the limit/);
      expect((await parser.parse(PHOTO, { faces: 'off', scales: [0.75, 1, 1.25], flip: true })).width).toBeGreaterThan(0);
    } finally {
      await parser.close();
    }
    await expect(FaceParser.create({ model: TINY_MODEL, maxModelPixels: 0 })).rejects.toThrow(/^maxModelPixels: expected an integer >= 1, got 0$/);
  });

  it('a model that parses photos at their own size: the photo over the budget is reported, the others parsed', async () => {
    const parser = await FaceParser.create({ model: join(FIXTURES, 'broken-models', 'no-resize'), threads: 1, maxModelPixels: 100_000 });
    try {
      const { default: sharp } = await import('sharp');
      const small = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
        .png()
        .toBuffer();
      const items = await parser.parseBatch([PHOTO, small], { faces: 'off', scales: [1, 2] });
      expect(items[0]!.error?.code).toBe('INPUT_TOO_LARGE');
      expect(items[0]!.error?.message).toMatch(/this photo \(the model parses it at its own size, \d+x\d+\)/);
      expect(items[1]!.result?.width).toBe(64);
    } finally {
      await parser.close();
    }
  });
});

describe('faceparse parse --scales', () => {
  const parse = (args: string[]) =>
    spawnSync(process.execPath, [BIN, 'parse', PHOTO, '--out', join(tmp, 'out'), '--faces', 'off', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CI: '1' },
    });

  it('a list of 1000 scales ends at once with one line that says the limit', () => {
    const list = ['1', ...Array.from({ length: 999 }, (_, i) => String(0.25 + i * 0.003))].join(',');
    const started = performance.now();
    const run = parse(['--model', EMBEDDED, '--scales', list]);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/--scales: expected a comma list of 1 to 8 numbers from 0\.25 to 4, got '1,0\.25,.*\.\.\.' \(1000 scales, at most 8/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--scales 1,3.9,4 on the embedded model is refused before any pass, saying what to change', () => {
    const run = parse(['--model', EMBEDDED, '--scales', '1,3.9,4']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/scales 1,3\.9,4 .* 8\.44 MP .* over the limit of 2\.10 MP.*--max-model-pixels/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('limits out of range are blamed on the option, not the photo', () => {
  it('maxInputPixels beyond a safe integer: the library and the flags say so before any photo', async () => {
    for (const value of [1e20, 2 ** 53, 0, 1.5, Number.NaN]) {
      const error = await FaceParser.create({ model: TINY_MODEL, maxInputPixels: value }).catch((e: unknown) => e);
      expect((error as FaceParseError).code, String(value)).toBe('INVALID_ARGUMENT');
      expect((error as Error).message).toMatch(/^maxInputPixels: expected an integer >= 1, got /);
      if (value > Number.MAX_SAFE_INTEGER) expect((error as Error).message).toMatch(/\(over 9007199254740991, the largest exact integer\)$/);
    }
    for (const command of [
      ['parse', PHOTO, '--out', join(tmp, 'limits')],
      ['serve', '--port', '0'],
    ]) {
      for (const value of ['1e20', '100000000000000000000']) {
        const run = spawnSync(process.execPath, [BIN, ...command, '--model', TINY_MODEL, '--max-pixels', value], {
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, CI: '1' },
        });
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(new RegExp(`--max-pixels: expected an integer >= 1, got '${value}' \\(over 9007199254740991`));
        expect(run.stderr).not.toMatch(/could not be decoded/);
      }
    }
  });
});
