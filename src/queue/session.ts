/** A command's handle on the queue: one Redis connection, the BullMQ Queue and the batch records over it. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BatchStore } from './batches.js';
import { connectRedis, redisError, safeUrl, type QueueTarget } from './connection.js';
import { QUEUE_NAME } from './names.js';

export interface QueueSession {
  target: QueueTarget;
  redis: Redis;
  queue: Queue;
  store: BatchStore;
  /** "Redis at redis://host:port (prefix p)", for messages. */
  where: string;
  close(): Promise<void>;
}

export async function openQueue(target: QueueTarget, role: 'service' | 'command' = 'command'): Promise<QueueSession> {
  const redis = connectRedis(target, { role });
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: target.prefix });
  queue.on('error', () => undefined); // surfaced by the calls that fail
  try {
    await queue.waitUntilReady();
    await redis.ping();
  } catch (error) {
    await queue.close().catch(() => undefined);
    redis.disconnect();
    throw redisError(target, error);
  }
  return {
    target,
    redis,
    queue,
    store: new BatchStore(redis, target.prefix),
    where: `Redis at ${safeUrl(target.url)} (prefix ${target.prefix})`,
    close: async () => {
      await queue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** Runs `body` on an open session, always closing it; Redis failures become one clear error. */
export async function withQueue<T>(target: QueueTarget, body: (session: QueueSession) => Promise<T>, role: 'service' | 'command' = 'command'): Promise<T> {
  const session = await openQueue(target, role);
  try {
    return await body(session);
  } catch (error) {
    throw redisError(target, error);
  } finally {
    await session.close();
  }
}
