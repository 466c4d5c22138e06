/**
 * Each user-facing option is said once, in src/options: the CLI's flags (choices, defaults, help),
 * the service's query schema (what Fastify checks and OpenAPI shows), the queue's job schema and the
 * library's checks all take it from there. These tests compare every front end with the schemas, so
 * an option re-declared in one of them (another default, another limit, another list of values) fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registerEvalCommand } from '../../src/cli/eval.js';
import { registerParseCommand } from '../../src/cli/parse.js';
import { registerQueueCommand } from '../../src/cli/queue.js';
import { registerServeCommand } from '../../src/cli/serve.js';
import { registerWorkerCommand } from '../../src/cli/worker.js';
import { checkOption, expectation, optionFromText, optionJsonSchema } from '../../src/options/checkOption.js';
import {
  alphaOption,
  DEFAULT_ALPHA,
  DEFAULT_FACES,
  DEFAULT_FEATHER,
  DEFAULT_GROW,
  DEFAULT_OUTPUTS,
  FACES_MODES,
  facesOption,
  featherOption,
  flipOption,
  growOption,
  labelSetOption,
  MAX_REGION_DISTANCE,
  MAX_REGIONS,
  outputsOption,
  regionOption,
  scalesOption,
} from '../../src/options/parseOptions.js';
import {
  cappedThreads,
  DEFAULT_DEVICE,
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_MAX_MODEL_PIXELS,
  defaultSessions,
  deviceOption,
  MAX_DEFAULT_SESSIONS,
  maxInputPixelsOption,
  maxModelPixelsOption,
  SERVICE_MAX_INPUT_PIXELS,
  sessionsOption,
  spinningOption,
  threadsOption,
  VARIANTS,
  variantOption,
} from '../../src/options/parserOptions.js';
import { checkParserOptions } from '../../src/pipeline/options.js';
import { parseJobSchema } from '../../src/queue/jobSchema.js';
import { PARSE_QUERY_SCHEMA } from '../../src/server/routes/parseSchema.js';
import { ROOT } from '../helpers/nativeLibraries.js';

const quietIO = { stdout: () => undefined, stderr: { write: () => true }, env: {} } as never;

/** The commands as the CLI registers them, by name ('queue submit' for the subcommand). */
function commands(): Map<string, Command> {
  const program = new Command();
  registerParseCommand(program, quietIO);
  registerQueueCommand(program, quietIO);
  registerWorkerCommand(program);
  registerServeCommand(program, quietIO);
  registerEvalCommand(program, quietIO);
  const byName = new Map<string, Command>();
  for (const c of program.commands) {
    byName.set(c.name(), c);
    for (const sub of c.commands) byName.set(`${c.name()} ${sub.name()}`, sub);
  }
  return byName;
}

function flag(command: Command, long: string): Option {
  const option = command.options.find((o) => o.long === long);
  if (!option) throw new Error(`${command.name()} has no ${long}`);
  return option;
}

const help = (option: Option) => option.description.replace(/^\[\w+\] /, '');

describe('the CLI takes its flags from src/options', () => {
  const all = commands();
  const get = (name: string) => all.get(name)!;

  it('choices: faces, variant and label set list the schemas values', () => {
    for (const name of ['parse', 'queue submit', 'eval']) expect(flag(get(name), '--faces').argChoices, name).toEqual([...FACES_MODES]);
    for (const name of ['parse', 'queue submit', 'worker', 'serve', 'eval']) expect(flag(get(name), '--variant').argChoices, name).toEqual([...VARIANTS]);
    for (const name of ['parse', 'queue submit', 'eval']) expect(flag(get(name), '--label-set').argChoices, name).toEqual([...labelSetOption.options]);
    expect(VARIANTS).toEqual(['fp32', 'fp16', 'q8']);
  });

  it('defaults: the same numbers as the library uses, the service its own documented one', () => {
    expect(flag(get('parse'), '--faces').defaultValue).toBe(DEFAULT_FACES);
    for (const name of ['parse', 'queue submit']) {
      expect(flag(get(name), '--alpha').defaultValue, name).toBe(String(DEFAULT_ALPHA));
      expect(flag(get(name), '--outputs').defaultValue, name).toBe(DEFAULT_OUTPUTS.join(','));
    }
    for (const name of ['parse', 'worker']) expect(flag(get(name), '--max-pixels').defaultValue, name).toBe(String(DEFAULT_MAX_INPUT_PIXELS));
    expect(flag(get('serve'), '--max-pixels').defaultValue).toBe(String(SERVICE_MAX_INPUT_PIXELS));
    for (const name of ['parse', 'worker', 'serve']) expect(flag(get(name), '--max-model-pixels').defaultValue, name).toBe(String(DEFAULT_MAX_MODEL_PIXELS));
    expect([DEFAULT_MAX_INPUT_PIXELS, SERVICE_MAX_INPUT_PIXELS, DEFAULT_MAX_MODEL_PIXELS]).toEqual([100_000_000, 40_000_000, 2_097_152]);
  });

  it('the commands that load a model share their model, runtime and hub flags', () => {
    const shared = [
      '--model',
      '--variant',
      '--threads',
      '--device',
      '--no-spinning',
      '--max-pixels',
      '--max-model-pixels',
      '--cache-dir',
      '--endpoint',
      '--token',
      '--offline',
      '--hub-timeout',
    ];
    // Said per command: the model's help (the worker keeps its model), the threads note, the service's max-pixels default.
    const own = new Set(['--model', '--threads', '--max-pixels']);
    const describe = (name: string) =>
      shared.map((long) => {
        const o = flag(get(name), long);
        return { flags: o.flags, choices: o.argChoices, ...(own.has(long) ? {} : { description: o.description, defaultValue: o.defaultValue }) };
      });
    expect(describe('serve')).toEqual(describe('parse'));
    expect(describe('worker')).toEqual(describe('parse'));
    for (const name of ['parse', 'serve', 'worker']) {
      expect(flag(get(name), '--device').argChoices, name).toEqual([...deviceOption.options]);
      expect(flag(get(name), '--device').defaultValue, name).toBe(DEFAULT_DEVICE);
      expect(help(flag(get(name), '--no-spinning')), name).toContain(spinningOption.description);
    }
  });

  it('help: each flag says what its option says', () => {
    const said: Array<[string, string, z.ZodType]> = [
      ['parse', '--scales', scalesOption],
      ['queue submit', '--scales', scalesOption],
      ['parse', '--flip', flipOption],
      ['queue submit', '--flip', flipOption],
      ['parse', '--alpha', alphaOption],
      ['parse', '--outputs', outputsOption],
      ['parse', '--threads', threadsOption],
      ['serve', '--threads', threadsOption],
      ['worker', '--threads', threadsOption],
      ['eval', '--threads', threadsOption],
      ['parse', '--sessions', sessionsOption],
      ['serve', '--sessions', sessionsOption],
      ['parse', '--max-pixels', maxInputPixelsOption],
      ['serve', '--max-pixels', maxInputPixelsOption],
      ['worker', '--max-model-pixels', maxModelPixelsOption],
      ['parse', '--grow', growOption],
      ['parse', '--feather', featherOption],
      ['parse', '--region', regionOption],
      ['queue submit', '--region', regionOption],
      ['eval', '--variant', variantOption],
    ];
    for (const [name, long, option] of said) expect(help(flag(get(name), long)), `${name} ${long}`).toContain(option.description);
  });
});

describe('the service and the queue take their schemas from src/options', () => {
  const query = PARSE_QUERY_SCHEMA.properties;

  it('the query schema (what Fastify checks and OpenAPI shows) has the options values, limits and defaults', () => {
    const { description: _f, ...faces } = query.faces as Record<string, unknown>;
    expect(faces).toEqual({ type: 'string', enum: [...FACES_MODES] });
    expect(query.faces.description).toBe(`${facesOption.description} (default ${DEFAULT_FACES})`);
    expect(query.grow).toMatchObject({ type: 'number', minimum: -MAX_REGION_DISTANCE, maximum: MAX_REGION_DISTANCE });
    expect(query.grow.description).toBe(`${growOption.description} (default ${DEFAULT_GROW})`);
    expect(query.feather).toMatchObject({ type: 'number', minimum: 0, maximum: MAX_REGION_DISTANCE });
    expect(query.feather.description).toBe(`${featherOption.description} (default ${DEFAULT_FEATHER})`);
    expect(query.labelSet).toEqual(optionJsonSchema(labelSetOption));
    expect(query.region).toMatchObject({ type: 'array', maxItems: MAX_REGIONS, items: { type: 'string', minLength: 1 } });
    expect((query.region as unknown as { items: unknown }).items).toEqual(optionJsonSchema(regionOption));
    expect(query.scales.description).toContain(scalesOption.description);
    expect(query.scales.description).toContain(expectation(scalesOption));
    expect(query.alpha.description).toContain(`${alphaOption.description}, as a decimal (default ${DEFAULT_ALPHA})`);
    // No `default` keyword: Fastify would fill it into every query (a grow of 0 would ask for regions).
    expect(JSON.stringify(query)).not.toMatch(/"default"/);
  });

  it('the job schema is the options schemas: the same JSON schema for every parse option', () => {
    const job = z.toJSONSchema(parseJobSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown> };
    const same: Array<[string, z.ZodType]> = [
      ['alpha', alphaOption],
      ['faces', facesOption],
      ['flip', flipOption],
      ['scales', scalesOption],
      ['outputs', outputsOption],
      ['grow', growOption],
      ['feather', featherOption],
      ['labelSet', labelSetOption],
    ];
    for (const [key, option] of same) expect(job.properties[key], key).toEqual(optionJsonSchema(option));
    expect((job.properties.model as { properties: Record<string, unknown> }).properties.variant).toEqual(optionJsonSchema(variantOption));
  });

  it('a job with options the CLI would refuse is refused by the job schema too', () => {
    const job = {
      version: 1,
      batch: 'b',
      input: '/in/a.jpg',
      out: '/out',
      stem: 'a',
      outputs: ['labels'],
      alpha: 0.5,
      model: { key: 'k' },
      flip: false,
    };
    expect(parseJobSchema.safeParse(job).success).toBe(true);
    for (const [key, value] of [
      ['scales', [0.5, 2]],
      ['scales', [1, 5]],
      ['alpha', 2],
      ['grow', MAX_REGION_DISTANCE + 1],
      ['outputs', ['selfie']],
      ['faces', 'always'],
    ] as const) {
      expect(parseJobSchema.safeParse({ ...job, [key]: value }).success, `${key} ${JSON.stringify(value)}`).toBe(false);
      expect(() => checkOption(z.object({ [key]: (parseJobSchema.shape as Record<string, z.ZodType>)[key]! }), { [key]: value }, key)).toThrow();
    }
  });
});

describe('one checker, one message shape', () => {
  it('flags and library options read the same limits and say them the same way', () => {
    expect(() => optionFromText(threadsOption, 'x', '--threads')).toThrow(/^--threads: expected an integer >= 1, got 'x'$/);
    expect(() => optionFromText(sessionsOption, '65', '--sessions')).toThrow(/^--sessions: expected an integer from 1 to 64, got '65'$/);
    expect(() => optionFromText(alphaOption, '0x1', '--alpha')).toThrow(/^--alpha: expected a number from 0 to 1, got '0x1'$/);
    expect(() => optionFromText(growOption, ' ', '--grow')).toThrow(/^--grow: expected a number from -10000 to 10000, got ' '$/);
    expect(optionFromText(scalesOption, '0.75, 1,1.25', '--scales')).toEqual([0.75, 1, 1.25]);
    expect(() => checkParserOptions({ threads: 0 })).toThrow(/^threads: expected an integer >= 1, got 0$/);
    expect(() => checkParserOptions({ sessions: 65 })).toThrow(/^sessions: expected an integer from 1 to 64, got 65$/);
    expect(() => checkParserOptions({ maxModelPixels: 1.5 })).toThrow(/^maxModelPixels: expected an integer >= 1, got 1\.5$/);
    expect(() => checkParserOptions({ maxInputBytes: -1 })).toThrow(/^maxInputBytes: expected an integer >= 1, got -1$/);
    expect(() => checkParserOptions({ threads: 4, sessions: 2, maxInputPixels: 10, maxModelPixels: 10 })).not.toThrow();
  });

  it('the thread cap and the session default are one rule each', () => {
    expect(cappedThreads(undefined, 4)).toBeUndefined();
    expect(cappedThreads(99_999, 4)).toBe(4);
    expect(cappedThreads(2, 4)).toBe(2);
    expect(defaultSessions(1, 16)).toBe(1);
    expect(defaultSessions(3, 16)).toBe(3);
    expect(defaultSessions(100, 4)).toBe(4);
    expect(defaultSessions(100, 64)).toBe(MAX_DEFAULT_SESSIONS);
    expect(defaultSessions(100, 64, 'cuda')).toBe(1);
  });
});

describe('nothing re-says an option outside src/options', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  const files = sources(join(ROOT, 'src'))
    .filter((f) => !relative(ROOT, f).startsWith('src/options/'))
    .map((f) => [relative(ROOT, f), readFileSync(f, 'utf8')] as const);

  it.each([
    ['the variants', /\[\s*'fp32',\s*'fp16',\s*'q8'\s*\]/],
    ['the devices', /\[\s*'cpu',\s*'cuda'\s*\]/],
    ['the faces modes', /'auto'\s*\|\s*'on'\s*\|\s*'off'|\[\s*'auto',\s*'on',\s*'off'\s*\]/],
    // (the service's maxPixelsInFlight is an option of its own, said in src/server/options.ts)
    ['the input pixel limits', /^(?!\s*maxPixelsInFlight:).*\b(100_000_000|40_000_000|100000000|40000000)\b/],
    ['the model pixel limit', /8 \* 512 \* 512|2_?097_?152\b(?!:)/],
    ['the region distance limit', /\b10_000\b.*(grow|feather|REGION)/i],
    ['a number parser of its own', /function (positiveInt|wholeNumber|fraction|pixelsFlag|positiveNumber|checkLimit)\(/],
  ])('%s', (_what, pattern) => {
    const found = files.filter(([, text]) => text.split('\n').some((line) => !/^\s*(\*|\/\/)/.test(line) && pattern.test(line))).map(([f]) => f);
    expect(found).toEqual([]);
  });
});
