/**
 * Checking an option against its schema (./parseOptions.ts, ./parserOptions.ts), from a value (the
 * library) or from text (command-line flags, query parameters), with one message shape for every
 * option and front end: `--threads: expected an integer >= 1, got 'x'`. What is expected is read
 * off the schema itself (its JSON schema), so the message cannot drift from the limits it checks.
 */
import { z } from 'zod';
import { FaceParseError } from '../base/errors.js';

interface JsonSchema {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
}

/** The JSON schema of an option (the limits OpenAPI shows), without the `$schema` line. */
export function optionJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

function range(json: JsonSchema): string {
  const low = json.minimum !== undefined && json.minimum > -Number.MAX_SAFE_INTEGER ? json.minimum : undefined;
  const high = json.maximum !== undefined && json.maximum < Number.MAX_SAFE_INTEGER ? json.maximum : undefined;
  if (low !== undefined && high !== undefined) return ` from ${low} to ${high}`;
  const parts = [
    low !== undefined ? `>= ${low}` : json.exclusiveMinimum !== undefined ? `> ${json.exclusiveMinimum}` : '',
    high !== undefined ? `<= ${high}` : json.exclusiveMaximum !== undefined ? `< ${json.exclusiveMaximum}` : '',
  ].filter(Boolean);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function describe(json: JsonSchema, plural = false): string {
  if (json.enum) return `${plural ? '' : 'one '}of ${json.enum.join(', ')}`;
  if (json.type === 'integer') return `${plural ? 'whole numbers' : 'an integer'}${range(json)}`;
  if (json.type === 'number') return `${plural ? 'numbers' : 'a number'}${range(json)}`;
  if (json.type === 'boolean') return 'true or false';
  if (json.type === 'array') {
    const { minItems = 0, maxItems } = json;
    const count = maxItems === undefined ? (minItems > 0 ? `${minItems} or more ` : '') : minItems > 0 ? `${minItems} to ${maxItems} ` : `up to ${maxItems} `;
    return `a comma list of ${count}${describe(json.items ?? {}, true)}`;
  }
  return plural ? 'texts' : 'a text';
}

/** What the option takes, in words: "an integer >= 1", "a number from 0 to 1", "a comma list of 1 to 8 numbers from 0.25 to 4". */
export function expectation(schema: z.ZodType): string {
  return describe(optionJsonSchema(schema) as JsonSchema);
}

/**
 * The reasons zod gives beyond the limits the expectation already says: a refinement's ("1 is
 * missing"), a list entry's ("5 is not a number from 0.25 to 4") and a list's length ("20 scales, at most 8").
 */
function reason(error: z.ZodError): string {
  const own = error.issues.flatMap((i) => {
    if (i.code === 'custom' || i.path.length > 0 || ('origin' in i && i.origin === 'array')) return [i.message];
    // The expectation leaves out the largest safe integer (every count has it): said when it is the reason.
    if (i.code === 'too_big' && Number(i.maximum) >= Number.MAX_SAFE_INTEGER) return [`over ${Number.MAX_SAFE_INTEGER}, the largest exact integer`];
    return [];
  });
  return own.length ? ` (${own.join('; ')})` : '';
}

function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 40)}...` : value}'`;
  if (Array.isArray(value)) return value.length > 8 ? `[${value.slice(0, 4).map(String).join(', ')}, ... ${value.length} in all]` : JSON.stringify(value);
  if (typeof value === 'number' || value === null || value === undefined) return String(value);
  return typeof value;
}

/** The value, checked against the option's schema; the error names the option (`maxInputPixels`, `--threads`). */
export function checkOption<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new FaceParseError('INVALID_ARGUMENT', `${name}: expected ${expectation(schema)}, got ${shown(value)}${reason(parsed.error)}`);
}

/** An optional option: undefined stays undefined, anything else is checked. */
export function checkOptional<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> | undefined {
  return value === undefined ? undefined : checkOption(schema, value, name);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** Text as the schema's type: numbers in plain decimal (no hex, blanks or Infinity), lists comma-separated. */
function fromText(json: JsonSchema, text: string): unknown {
  if (json.type === 'number' || json.type === 'integer') {
    const t = text.trim();
    return DECIMAL.test(t) ? Number(t) : text;
  }
  if (json.type === 'array') return text.split(',').map((part) => fromText(json.items ?? {}, part));
  if (json.type === 'boolean') return text === 'true' || text === '1' || text === '' ? true : text === 'false' || text === '0' ? false : text;
  return text;
}

/**
 * An option written as text (a command-line flag, a query parameter), converted and checked; the
 * error names the flag and shows the text: `--threads: expected an integer >= 1, got 'x'`.
 */
export function optionFromText<S extends z.ZodType>(schema: S, text: string, flag: string): z.output<S> {
  return checkText(schema, fromText(optionJsonSchema(schema) as JsonSchema, text), text, flag);
}

/** `value`, read from `text` by the caller, checked; the error shows the text as it was written. */
export function checkText<S extends z.ZodType>(schema: S, value: unknown, text: string, flag: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new FaceParseError('INVALID_ARGUMENT', `${flag}: expected ${expectation(schema)}, got ${shown(text)}${reason(parsed.error)}`);
}

/** optionFromText for a flag that may be absent. */
export function optionalFromText<S extends z.ZodType>(schema: S, text: string | undefined, flag: string): z.output<S> | undefined {
  return text === undefined ? undefined : optionFromText(schema, text, flag);
}
