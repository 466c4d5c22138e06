/**
 * The record of each batch in Redis: its name, size, out folder and model, the inputs refused at
 * submit (they never became jobs), and the ids of its jobs in input order. BullMQ keeps the jobs;
 * this record says which jobs make up the batch, so counts stay exact through retries and stalls.
 */
import type { Redis } from 'ioredis';
import { FaceParseError } from '../base/errors.js';
import { batchJobsKey, batchKey, batchesKey } from './names.js';

export interface BatchRecord {
  id: string;
  name: string;
  /** Milliseconds since the epoch. */
  created: number;
  /** Jobs in the batch. */
  total: number;
  out: string;
  model: string;
  /** Inputs that matched no file (or clashed), refused at submit. */
  skipped: Array<{ input: string; error: string }>;
}

export class BatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Appends job ids to a batch being submitted (before its jobs are added, so none is ever untracked). */
  async appendJobIds(batch: string, ids: readonly string[]): Promise<void> {
    if (ids.length) await this.redis.rpush(batchJobsKey(this.prefix, batch), ...ids);
  }

  /** Writes the record once every job is in the queue: a batch is listed only when complete. */
  async save(record: BatchRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(batchKey(this.prefix, record.id), {
        name: record.name,
        created: String(record.created),
        total: String(record.total),
        out: record.out,
        model: record.model,
        skipped: JSON.stringify(record.skipped),
      })
      .zadd(batchesKey(this.prefix), record.created, record.id)
      .exec();
  }

  async get(batch: string): Promise<BatchRecord | undefined> {
    const h = await this.redis.hgetall(batchKey(this.prefix, batch));
    if (!h.created) return undefined;
    return {
      id: batch,
      name: h.name ?? '',
      created: Number(h.created),
      total: Number(h.total),
      out: h.out ?? '',
      model: h.model ?? '',
      skipped: h.skipped ? (JSON.parse(h.skipped) as BatchRecord['skipped']) : [],
    };
  }

  /** The record, or a clear error naming the batch and where it was looked for. */
  async require(batch: string, where: string): Promise<BatchRecord> {
    const record = await this.get(batch);
    if (!record)
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        `no batch ${batch} in ${where}; faceparse queue list shows the batches there (is --prefix the one it was submitted with?)`,
      );
    return record;
  }

  /** Job ids of a batch, in input order. */
  async jobIds(batch: string): Promise<string[]> {
    return this.redis.lrange(batchJobsKey(this.prefix, batch), 0, -1);
  }

  /** Batch ids, oldest first. */
  async list(): Promise<string[]> {
    return this.redis.zrange(batchesKey(this.prefix), 0, '-1');
  }

  async remove(batch: string): Promise<void> {
    await this.redis.multi().del(batchKey(this.prefix, batch), batchJobsKey(this.prefix, batch)).zrem(batchesKey(this.prefix), batch).exec();
  }
}
