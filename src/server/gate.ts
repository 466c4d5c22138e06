/**
 * The concurrency gate: at most `concurrency` parses run at once, their photos hold at most
 * `pixelBudget` pixels together (a parse's memory grows with its pixel count, so this bounds the
 * memory of the parses in flight whatever the core count; one photo alone may always run), and at
 * most `maxQueue` requests wait. A request claims its place when it arrives, before its body is
 * read, so a full service answers 503 at once instead of buffering bodies it cannot serve; a
 * request that leaves (answered, failed, timed out, client gone) gives its place back exactly once.
 * Slots are granted first come, first served: a large photo at the head waits for room rather than
 * being overtaken for ever by small ones.
 */

export class GateFullError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    /** 'full': every place is taken; 'too_slow': the work ahead would outlast the deadline. */
    readonly reason: 'full' | 'too_slow',
  ) {
    super(reason === 'full' ? 'every parse slot and queue place is taken' : 'the work queued ahead would outlast the deadline');
    this.name = 'GateFullError';
  }
}

export class GateTimeoutError extends Error {
  constructor() {
    super('the deadline passed while waiting for a parse slot');
    this.name = 'GateTimeoutError';
  }
}

export interface GateOptions {
  concurrency: number;
  maxQueue: number;
  /** Pixels the running parses may hold together. Default: no limit. */
  pixelBudget?: number;
  /**
   * The requests' deadline: once parses have been timed, a newcomer whose predicted wait and parse
   * would outlast it is refused at once (503 now, rather than a 504 after holding a place). Default: none.
   */
  deadlineMs?: number;
}

type State = 'queued' | 'running' | 'left';

export class GateTicket {
  #state: State = 'queued';
  #waiter: { grant: () => void; fail: (error: unknown) => void } | undefined;
  #startedAt = 0;
  #runningAtStart = 1;
  #pixels = 0;

  /** @internal made by ConcurrencyGate.enter */
  constructor(private readonly gate: ConcurrencyGate) {}

  get state(): State {
    return this.#state;
  }

  /** The pixels this parse holds while it runs. */
  get pixels(): number {
    return this.#pixels;
  }

  /**
   * Waits for a parse slot and room for `pixels` (first come, first served). Rejects with
   * GateTimeoutError after `timeoutMs`, with the signal's reason when it aborts, or when the ticket
   * leaves meanwhile; in every case the queue place is given back.
   */
  async acquire(timeoutMs: number, signal?: AbortSignal, pixels = 0): Promise<void> {
    // Aborted first: a client that went away during its upload has already given its place back.
    if (signal?.aborted) {
      this.leave();
      throw signal.reason;
    }
    if (this.#state !== 'queued' || this.#waiter) throw new Error(`ticket is ${this.#state}, not queued`);
    this.#pixels = pixels;
    if (this.gate.tryStart(this)) return;
    await new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiter = undefined;
      };
      const onAbort = () => this.#fail(signal!.reason);
      const timer = setTimeout(() => this.#fail(new GateTimeoutError()), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiter = {
        grant: () => {
          settle();
          resolve();
        },
        fail: (error) => {
          settle();
          reject(error);
        },
      };
      this.gate.enqueue(this);
    });
  }

  /** Gives back the slot or the queue place (a pending acquire rejects); later calls do nothing. */
  leave(): void {
    if (this.#state === 'left') return;
    const was = this.#state;
    this.#state = 'left';
    // Parses running side by side share the model: a slot held for `held` ms with n running is ~held/n ms of service.
    this.gate.left(this, was, was === 'running' ? (performance.now() - this.#startedAt) / this.#runningAtStart : undefined);
    this.#waiter?.fail(new Error('the ticket left the gate'));
  }

  #fail(error: unknown): void {
    this.#waiter?.fail(error); // first, so the acquire rejects with this error
    this.leave();
  }

  /** @internal */
  markRunning(runningNow: number): void {
    this.#state = 'running';
    this.#startedAt = performance.now();
    this.#runningAtStart = Math.max(1, runningNow);
    this.#waiter?.grant();
  }
}

export class ConcurrencyGate {
  readonly concurrency: number;
  readonly maxQueue: number;
  #running = 0;
  /** Tickets holding a queue place (their body may still be arriving). */
  #queued = 0;
  /** Tickets waiting for a slot, in arrival order. */
  readonly #waiting: GateTicket[] = [];
  readonly pixelBudget: number;
  #pixels = 0;
  readonly deadlineMs: number;
  /** Moving average of the service time of one parse (ms of the gate per completion); undefined until one ends. */
  #serviceMs: number | undefined;

  constructor(options: GateOptions) {
    this.concurrency = options.concurrency;
    this.maxQueue = options.maxQueue;
    this.pixelBudget = options.pixelBudget ?? Infinity;
    this.deadlineMs = options.deadlineMs ?? Infinity;
  }

  /** Pixels held by the running parses. */
  get pixelsInFlight(): number {
    return this.#pixels;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queued;
  }

  /**
   * Claims a place; throws GateFullError (with a Retry-After estimate) when all are taken, or when
   * the parses ahead and its own would, at the measured pace, outlast the deadline.
   */
  enter(): GateTicket {
    const ahead = this.#running + this.#queued;
    if (ahead >= this.concurrency + this.maxQueue) throw new GateFullError(this.retryAfterSeconds(), 'full');
    if (ahead > 0 && this.#serviceMs !== undefined && (ahead + 1) * this.#serviceMs > this.deadlineMs) throw new GateFullError(this.retryAfterSeconds(), 'too_slow');
    this.#queued++;
    return new GateTicket(this);
  }

  /** Seconds until the work ahead is likely done at the measured pace (1 s before any parse is timed), 1 to 60. */
  retryAfterSeconds(): number {
    const ahead = this.#running + this.#queued;
    return Math.min(60, Math.max(1, Math.ceil(((this.#serviceMs ?? 1000) * ahead) / 1000)));
  }

  /** @internal */
  tryStart(ticket: GateTicket): boolean {
    if (this.#waiting.length > 0 || !this.#fits(ticket)) return false;
    this.#start(ticket);
    return true;
  }

  /** A free slot, and room for its pixels (a photo alone always fits). */
  #fits(ticket: GateTicket): boolean {
    return this.#running < this.concurrency && (this.#running === 0 || this.#pixels + ticket.pixels <= this.pixelBudget);
  }

  #start(ticket: GateTicket): void {
    this.#queued--;
    this.#running++;
    this.#pixels += ticket.pixels;
    ticket.markRunning(this.#running);
  }

  /** @internal */
  enqueue(ticket: GateTicket): void {
    this.#waiting.push(ticket);
  }

  /** @internal */
  left(ticket: GateTicket, was: State, serviceMs: number | undefined): void {
    if (was === 'queued') {
      this.#queued--;
      const at = this.#waiting.indexOf(ticket);
      if (at >= 0) this.#waiting.splice(at, 1);
    } else if (was === 'running') {
      this.#running--;
      this.#pixels -= ticket.pixels;
      if (serviceMs !== undefined) this.#serviceMs = this.#serviceMs === undefined ? serviceMs : 0.8 * this.#serviceMs + 0.2 * serviceMs;
    }
    this.#startNext();
  }

  #startNext(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!)) this.#start(this.#waiting.shift()!);
  }
}
