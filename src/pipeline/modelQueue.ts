/**
 * The model queue: the one place model runs are scheduled. It owns one or more sessions (a pool of
 * 1-thread sessions can beat one many-thread session on a folder; see bench/parse.ts --sessions)
 * and hands each run to an idle one, first come first served. `drain` waits for every run sent so
 * far, so `close()` lets parses in flight finish before the sessions are released.
 */
import type { Logits } from '../base/types.js';
import type { SegmentationSession } from '../platform/types.js';

export class ModelQueue {
  readonly #sessions: SegmentationSession[];
  readonly #idle: SegmentationSession[];
  readonly #waiting: Array<(session: SegmentationSession) => void> = [];
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(sessions: SegmentationSession[]) {
    this.#sessions = sessions;
    this.#idle = [...sessions];
  }

  get sessions(): readonly SegmentationSession[] {
    return this.#sessions;
  }

  /** Runs the model on the first idle session. */
  run(pixelValues: Float32Array, batch: number, height: number, width: number): Promise<Logits> {
    const job = this.#acquire().then(async (session) => {
      try {
        return await session.run(pixelValues, batch, height, width);
      } finally {
        this.#releaseSession(session);
      }
    });
    this.#inFlight.add(job);
    const forget = () => this.#inFlight.delete(job);
    job.then(forget, forget);
    return job;
  }

  /** Resolves when every run sent so far has finished (failed runs included). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async release(): Promise<void> {
    await this.drain();
    await Promise.all(this.#sessions.map((s) => s.release()));
  }

  #acquire(): Promise<SegmentationSession> {
    const session = this.#idle.pop();
    if (session) return Promise.resolve(session);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #releaseSession(session: SegmentationSession): void {
    const next = this.#waiting.shift();
    if (next) next(session);
    else this.#idle.push(session);
  }
}
