/**
 * The layering rules of src/, checked on the import statements of every source file:
 * - src/base imports nothing else of the project and no package or Node module;
 * - the pure modules (image, models, postprocess, metrics, visualize, and the pipeline's stages)
 *   import no platform code: no `node:` module, no sharp or onnxruntime, nothing under src/platform/node;
 * - only platform/node (and the Node entry src/node, which loads models there) touch sharp and onnxruntime-node.
 * `violations` is also run on made-up files below, so the rules are seen to catch what they forbid.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/nativeLibraries.js';

const SRC = join(ROOT, 'src');
const PURE = ['src/base', 'src/image', 'src/models', 'src/postprocess', 'src/metrics', 'src/visualize', 'src/faces', 'src/pipeline', 'src/outputs/render.ts', 'src/outputs/kinds.ts', 'src/outputs/encodeOutputs.ts'];
const NATIVE = /^(sharp|onnxruntime-node|onnxruntime-web)(\/|$)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Static imports and re-exports (type-only ones carry no code and are left out). */
function importsOf(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?\sfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    if (m[2]) continue;
    specs.push(m[3] ?? m[4]!);
  }
  return specs;
}

const within = (path: string, area: string) => path === area || path.startsWith(area + '/');

export function violations(file: string, text: string): string[] {
  const problems: string[] = [];
  const isPure = PURE.some((a) => within(file, a));
  for (const spec of importsOf(text)) {
    const target = spec.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts') : spec;
    if (within(file, 'src/base') && (!spec.startsWith('.') || !within(target, 'src/base'))) problems.push(`${file}: base imports ${spec}`);
    if (isPure && (spec.startsWith('node:') || NATIVE.test(spec) || within(target, 'src/platform/node') || within(target, 'src/hub') || within(target, 'src/cli'))) {
      problems.push(`${file}: pure module imports platform code ${spec}`);
    }
  }
  return problems;
}

describe('import rules', () => {
  it('hold for every file in src/', () => {
    const problems = sourceFiles(SRC).flatMap((path) => violations(relative(ROOT, path), readFileSync(path, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('catch a base module importing the rest, and pure modules importing platform code', () => {
    expect(violations('src/base/x.ts', "import { a } from '../pipeline/faceParser.js';")).toHaveLength(1);
    expect(violations('src/base/x.ts', "import { readFile } from 'node:fs/promises';").length).toBeGreaterThan(0);
    expect(violations('src/postprocess/x.ts', "import sharp from 'sharp';")).toHaveLength(1);
    expect(violations('src/visualize/x.ts', "import { decodeImage } from '../platform/node/decode.js';")).toHaveLength(1);
    expect(violations('src/pipeline/x.ts', "export { resolveModel } from '../hub/index.js';")).toHaveLength(1);
    expect(violations('src/metrics/x.ts', "import { FaceParseError } from '../base/errors.js';")).toEqual([]);
    expect(violations('src/pipeline/x.ts', "import type { ResolvedModel } from '../hub/index.js';")).toEqual([]);
  });
});
