/**
 * The model as the service shows it (readiness, answers, the OpenAPI description): the hub id, or
 * the model folder's name, never its absolute path, which would tell every client how the
 * server's disk is laid out.
 */
import { basename } from 'node:path';
import type { FaceParser } from '../pipeline/faceParser.js';

export function modelName(parser: Pick<FaceParser, 'model' | 'resolved'>): string {
  const id = parser.resolved?.id;
  if (id) return id;
  return basename(parser.model.replace(/[\\/]+$/, '')) || parser.model;
}
