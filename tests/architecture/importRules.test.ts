/**
 * The layering rules of src/, checked on the import statements of every source file:
 * - src/base imports nothing else of the project and no package or Node module;
 * - the pure modules (image, models, postprocess, metrics, visualize, and the pipeline's stages)
 *   import no platform code: no `node:` module, no sharp or onnxruntime, nothing under src/platform/node;
 * - only platform/node (and the Node entry src/node, which loads models there) touch sharp and onnxruntime-node.
 * - no loops between folders (a folder: the first path part under src/, platform/node and platform/web
 *   apart; every import counts, type-only and dynamic ones too, since a loop of types is still a loop of
 *   ideas: each side has to be understood before the other).
 * `violations` and `folderLoops` are also run on made-up files below, so the rules are seen to catch what they forbid.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/nativeLibraries.js';

const SRC = join(ROOT, 'src');
const PURE = [
  'src/base',
  'src/image',
  'src/models',
  'src/postprocess',
  'src/metrics',
  'src/visualize',
  'src/faces',
  'src/pipeline',
  'src/outputs/render.ts',
  'src/outputs/kinds.ts',
  'src/outputs/encodeOutputs.ts',
  'src/options',
];
const NATIVE = /^(sharp|onnxruntime-node|onnxruntime-web)(\/|$)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
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

function violations(file: string, text: string): string[] {
  const problems: string[] = [];
  const isPure = PURE.some((a) => within(file, a));
  for (const spec of importsOf(text)) {
    const target = spec.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts') : spec;
    if (within(file, 'src/base') && (!spec.startsWith('.') || !within(target, 'src/base'))) problems.push(`${file}: base imports ${spec}`);
    if (
      isPure &&
      (spec.startsWith('node:') || NATIVE.test(spec) || within(target, 'src/platform/node') || within(target, 'src/hub') || within(target, 'src/cli'))
    ) {
      problems.push(`${file}: pure module imports platform code ${spec}`);
    }
  }
  return problems;
}

/** Every project module a file names: static, type-only, re-exported and dynamic imports. */
function allRelativeImports(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)['"](\.[^'"]+)['"]/gm)].map((m) => m[1]!);
}

/** The folder of a path under src/: its first part, with platform/node and platform/web apart. */
function folderOf(file: string): string {
  const parts = file.split('/').slice(1);
  if (parts.length === 1) return '(entry)';
  if (parts[0] === 'platform' && parts.length > 2 && (parts[1] === 'node' || parts[1] === 'web')) return `platform/${parts[1]}`;
  return parts[0]!;
}

/** The loops of the folder graph of `files` (path under the repo -> text): each as `a -> b -> ... -> a`. */
function folderLoops(files: ReadonlyMap<string, string>): string[] {
  const edges = new Map<string, Map<string, string>>();
  for (const [file, text] of files) {
    for (const spec of allRelativeImports(text)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts');
      const from = folderOf(file);
      const to = folderOf(target);
      // The entry files (src/index.ts) sit above the folders: they import them, none imports them.
      if (from === to || from === '(entry)') continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, `${file} imports ${spec}`);
    }
  }
  // Depth-first search; each back edge closes a loop, reported with the import that makes each step.
  const loops: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') {
        const loop = [...path.slice(path.indexOf(next)), next];
        const steps = loop.slice(0, -1).map((a, i) => edges.get(a)!.get(loop[i + 1]!)!);
        loops.push(`${loop.join(' -> ')} (${steps.join('; ')})`);
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return loops;
}

describe('import rules', () => {
  it('leave no loops between the folders of src/', () => {
    const files = new Map(sourceFiles(SRC).map((path) => [relative(ROOT, path), readFileSync(path, 'utf8')] as const));
    expect(folderLoops(files)).toEqual([]);
  });

  it('see a loop made of any kind of import, through any number of folders', () => {
    const typeLoop = new Map([
      ['src/pipeline/a.ts', "import { b } from '../outputs/b.js';"],
      ['src/outputs/b.ts', "import type { A } from '../pipeline/a.js';"],
    ]);
    expect(folderLoops(typeLoop)).toHaveLength(1);
    const longLoop = new Map([
      ['src/cli/a.ts', "export { b } from '../queue/b.js';"],
      ['src/queue/b.ts', "const c = await import('../platform/node/c.js');"],
      ['src/platform/node/c.ts', "import '../../cli/a.js';"],
    ]);
    expect(folderLoops(longLoop)).toEqual([expect.stringMatching(/^cli -> queue -> platform\/node -> cli /)]);
    // platform/node and platform/web are folders of their own; the entry imports everything.
    expect(
      folderLoops(
        new Map([
          ['src/platform/node/a.ts', "import { b } from '../web/b.js';"],
          ['src/platform/web/b.ts', "import { t } from '../types.js';"],
          ['src/platform/types.ts', "import type { X } from '../base/x.js';"],
          ['src/index.ts', "export * from './platform/node/a.js';"],
        ]),
      ),
    ).toEqual([]);
  });

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
