/** The parts of the queue that need no Redis: job checks, model identity, where the queue is. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queueTarget, safeUrl } from '../../src/queue/connection.js';
import { checkJobData, type ParseJobData } from '../../src/queue/jobSchema.js';
import { describeModel, modelRequest, sameModel } from '../../src/queue/modelIdentity.js';
import { checkBatchId, jobIdOf, newBatchId } from '../../src/queue/names.js';
import { outcomeOf } from '../../src/queue/status.js';
import { TINY_MODEL } from '../helpers/golden.js';

const job: ParseJobData = {
  version: 1,
  batch: 'b',
  input: '/data/a.jpg',
  out: '/data/out',
  stem: 'sub/a',
  outputs: ['labels', 'json'],
  alpha: 0.5,
  model: { key: 'default' },
  flip: false,
};

describe('job data', () => {
  it('accepts a job as submit writes it', () => {
    expect(checkJobData(job)).toEqual({ ok: true, data: job });
  });

  it.each([
    ['a relative input', { input: 'a.jpg' }, /input: must be an absolute path/],
    ['a stem that climbs out of the out folder', { stem: '../../etc/x' }, /stem: must be a path inside the out folder/],
    ['an absolute stem', { stem: '/etc/x' }, /stem: must be a path inside the out folder/],
    ['an unknown output kind', { outputs: ['labels', 'pdf'] }, /outputs\.1/],
    ['no outputs', { outputs: [] }, /outputs/],
    ['alpha above 1', { alpha: 2 }, /alpha/],
    ['another format version', { version: 2 }, /version/],
  ])('refuses %s, naming the field', (_what, change, message) => {
    const checked = checkJobData({ ...job, ...change });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problem).toMatch(message);
  });
});

describe('model identity', () => {
  it('normalises folders to absolute paths and hub ids to a revision', () => {
    expect(modelRequest(undefined)).toEqual({ key: 'default' });
    const rel = modelRequest('tests/fixtures/tiny-segformer', 'fp32');
    expect(rel).toEqual({ source: TINY_MODEL, key: TINY_MODEL, variant: 'fp32' });
    expect(modelRequest(`./${'tests/fixtures/tiny-segformer'}`).key).toBe(resolve('tests/fixtures/tiny-segformer'));
    expect(modelRequest('jonathandinu/face-parsing')).toEqual({ source: 'jonathandinu/face-parsing@main', key: 'jonathandinu/face-parsing@main' });
    expect(describeModel({ key: 'default' })).toBe('the embedded model');
  });

  it('matches a worker only for the same model and the variant asked for', () => {
    const tiny = { key: TINY_MODEL };
    expect(sameModel(tiny, tiny, 'fp32')).toBe(true);
    expect(sameModel({ key: 'default' }, tiny, 'fp32')).toBe(false);
    expect(sameModel({ ...tiny, variant: 'q8' }, tiny, 'fp32')).toBe(false);
    expect(sameModel({ ...tiny, variant: 'fp32' }, tiny, 'fp32')).toBe(true);
    // A job without a variant wants the model's default: a worker pinned to a variant may not have it.
    expect(sameModel(tiny, { ...tiny, variant: 'q8' }, 'q8')).toBe(false);
  });
});

describe('queue target and names', () => {
  it('takes --redis, else FACEPARSE_REDIS_URL, and refuses anything else clearly', () => {
    expect(queueTarget({ redis: 'redis://h:1' }, {})).toEqual({ url: 'redis://h:1', prefix: 'faceparse' });
    expect(queueTarget({}, { FACEPARSE_REDIS_URL: 'rediss://h:2', FACEPARSE_REDIS_PREFIX: 'team-a' })).toEqual({ url: 'rediss://h:2', prefix: 'team-a' });
    expect(queueTarget({ prefix: 'p' }, { FACEPARSE_REDIS_URL: 'redis://h:3' }).prefix).toBe('p');
    expect(() => queueTarget({}, {})).toThrow(/no Redis given: pass --redis .* or set FACEPARSE_REDIS_URL/);
    expect(() => queueTarget({ redis: 'localhost:6379' }, {})).toThrow(/give a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => queueTarget({ redis: 'redis://h', prefix: 'a:b' }, {})).toThrow(/--prefix/);
  });

  it('never prints a password', () => {
    expect(safeUrl('redis://user:s3cret@host:6379/0')).toBe('redis://user:***@host:6379/0');
    expect(safeUrl('rediss://:s3cret@host')).toBe('rediss://:***@host');
    expect(safeUrl('redis://host:6379')).toBe('redis://host:6379');
  });

  it('batch ids are valid BullMQ job-id parts and checked on the command line', () => {
    const id = newBatchId();
    expect(checkBatchId(id)).toBe(id);
    expect(jobIdOf(id, 3)).not.toContain(':');
    expect(() => checkBatchId('../x')).toThrow(/is not a batch id/);
    expect(() => checkBatchId('a:b')).toThrow(/is not a batch id/);
  });

  it('folds BullMQ states into waiting, active, completed, failed', () => {
    expect(['wait', 'delayed', 'prioritized', 'waiting-children', 'waiting'].map(outcomeOf)).toEqual(Array(5).fill('waiting'));
    expect(['active', 'completed', 'failed', 'unknown'].map(outcomeOf)).toEqual(['active', 'completed', 'failed', 'missing']);
  });
});
