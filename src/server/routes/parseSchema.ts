/**
 * The schemas of `POST /v1/parse`: the query (validated by Fastify: an unknown or malformed
 * parameter is a 400), the answers (they also shape the JSON) and the request body for the
 * OpenAPI document (documentation only: the body is bytes, checked by the decoder, not by a schema).
 */
import type { ZodType } from 'zod';
import type { LabelSetName } from '../../base/labelSets.js';
import { expectation, optionJsonSchema } from '../../options/checkOption.js';
import {
  alphaOption,
  DEFAULT_ALPHA,
  DEFAULT_FACES,
  DEFAULT_FEATHER,
  DEFAULT_GROW,
  type FacesMode,
  facesOption,
  featherOption,
  flipOption,
  growOption,
  labelSetOption,
  OUTPUT_KINDS,
  type OutputKind,
  regionsOption,
  scalesOption,
} from '../../options/parseOptions.js';
import { IMAGE_TYPES, MULTIPART_TYPE } from '../imageBody.js';

/** What a JSON answer can carry: every output kind but the JSON itself (the answer is the JSON). */
export const ANSWER_OUTPUTS: readonly OutputKind[] = OUTPUT_KINDS.filter((k) => k !== 'json');

export interface ParseQuery {
  outputs?: string;
  faces?: FacesMode;
  flip?: 'true' | 'false' | '1' | '0' | '';
  scales?: string;
  /** A decimal from 0 to 1, as text: the schema's pattern refuses Infinity, hex, blanks and exponents. */
  alpha?: string;
  region?: string[];
  grow?: number;
  feather?: number;
  labelSet?: LabelSetName;
}

/**
 * An option's JSON schema with its default said in the description: not as `default`, which
 * Fastify's validator would fill into every query (a grow of 0 would then ask for region masks).
 */
function withDefault(option: ZodType, value: unknown): Record<string, unknown> {
  const json = optionJsonSchema(option);
  return { ...json, description: `${String(json.description)} (default ${String(value)})` };
}

/**
 * The query of `POST /v1/parse`. Each parameter's values, limits, default and description come from
 * its option in src/options (as JSON schema, which Fastify checks and OpenAPI shows); the ones sent
 * as text (outputs, scales, alpha, flip) are read by the same text parser as the CLI's flags.
 */
export const PARSE_QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    outputs: {
      type: 'string',
      description: `JSON answers: comma list of ${ANSWER_OUTPUTS.join(',')} (default labels), each a base64 PNG in "outputs" (masks: one per class present)`,
    },
    faces: withDefault(facesOption, DEFAULT_FACES),
    flip: {
      type: 'string',
      enum: ['true', 'false', '1', '0', ''],
      description: `flip test-time augmentation: ${flipOption.description}; true, 1 or just ?flip turn it on`,
    },
    scales: { type: 'string', description: `${scalesOption.description}: ${expectation(scalesOption)}` },
    // A string with a pattern, not a number: coercion would let "Infinity", "0x1" and " " through as numbers.
    alpha: {
      type: 'string',
      pattern: '^(?:0(?:\\.[0-9]+)?|1(?:\\.0+)?|\\.[0-9]+)$',
      description: `${alphaOption.description}, as a decimal (default ${DEFAULT_ALPHA})`,
    },
    region: {
      ...optionJsonSchema(regionsOption),
      description: `region masks for outputs=region (which region implies), each an 8-bit alpha PNG in outputs.region by name: ${regionsOption.element.description}`,
    },
    grow: withDefault(growOption, DEFAULT_GROW),
    feather: withDefault(featherOption, DEFAULT_FEATHER),
    labelSet: optionJsonSchema(labelSetOption),
  },
} as const;

export const ERROR_SCHEMA = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
};
export const errorAnswer = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_SCHEMA } } });

const BOX_SCHEMA = {
  type: ['object', 'null'],
  properties: { x: { type: 'integer' }, y: { type: 'integer' }, width: { type: 'integer' }, height: { type: 'integer' } },
};
export const JSON_ANSWER_SCHEMA = {
  type: 'object',
  // The result's JSON may carry more than listed here (the face stage adds its fields): they pass through.
  additionalProperties: true,
  properties: {
    model: { type: 'string' },
    variant: { type: 'string' },
    width: { type: 'integer' },
    height: { type: 'integer' },
    labels: { type: 'array', items: { type: 'string' } },
    classes: {
      type: 'array',
      description: 'per class of the model: pixels, share of the image, bounding box (null when absent)',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, label: { type: 'string' }, pixels: { type: 'integer' }, share: { type: 'number' }, bbox: BOX_SCHEMA },
      },
    },
    faces: { description: 'the faces of a per-face parse (box, score, keypoints, ...); null when the pipeline reports none' },
    timings: {
      type: 'object',
      description: 'milliseconds: queue, decode, preprocess, inference, postprocess, encode, total',
      additionalProperties: { type: 'number' },
    },
    outputs: {
      type: 'object',
      description: 'base64 PNGs by kind; masks is an object of base64 PNGs by class name, region by region name',
      additionalProperties: { anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'string' } }] },
    },
  },
};

/** The request body, for the OpenAPI document. */
export const REQUEST_BODY_DOC = {
  content: {
    ...Object.fromEntries(
      [...IMAGE_TYPES.filter((t) => !['image/jpg', 'image/pjpeg', 'image/heic', 'image/x-ms-bmp'].includes(t)), 'application/octet-stream'].map((t) => [
        t,
        { schema: { type: 'string', format: 'binary' } },
      ]),
    ),
    [MULTIPART_TYPE]: { schema: { type: 'object', properties: { image: { type: 'string', format: 'binary' } }, required: ['image'] } },
  },
};
