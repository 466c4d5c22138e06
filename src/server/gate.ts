/**
 * The concurrency gate: at most `concurrency` parses run at once, their photos hold at most
 * `pixelBudget` pixels together (a parse's memory grows with its pixels, test-time augmentation
 * counted in photo-pixel terms, so this bounds the memory of the parses in flight whatever the
 * core count; one photo alone may always run), and at most `maxQueue` requests wait.
 *
 * A request claims a place when it arrives, before its body is read, so a full service answers 503
 * at once instead of buffering bodies it cannot serve. While its body arrives it is *receiving*: it
 * holds one of `concurrency + maxQueue` upload places (which bound the bodies buffered at once) but
 * is not work yet, so a slow upload neither counts as queued ahead of others nor takes a queue
 * place; once its body is read it *waits* for a slot (first come, first served: a large photo at
 * the head waits for room rather than being overtaken for ever by small ones). A request that
 * leaves (answered, failed, timed out, client gone) gives its place back exactly once.
 *
 * The pace: the service time of a unit of work (one plain model pass; a parse with augmentation
 * costs its passes' pixels over the plain pass's), measured on completed parses. A newcomer is
 * refused at once (503) only when it would have to wait and the work really ahead of it (the
 * waiting parses' cost and the running parses' remaining cost, which shrinks as they run) would,
 * at that pace, outlast the deadline. So one slow request cannot set the pace for everyone: its
 * remaining cost runs out while it runs, and an outlier completion moves the pace by a bounded step.
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

/** What a parse holds while it runs: pixels (memory) and cost (time, in plain model passes). */
export interface GateWork {
  pixels?: number;
  /** Default 1: one plain pass. */
  cost?: number;
}

type State = 'receiving' | 'queued' | 'running' | 'left';

/** A completion moves the pace by at most this factor, so one outlier cannot jam the gate. */
const MAX_PACE_STEP = 4;

export class GateTicket {
  #state: State = 'receiving';
  #waiter: { grant: () => void; fail: (error: unknown) => void } | undefined;
  #startedAt = 0;
  #runningAtStart = 1;
  #pixels = 0;
  #cost = 1;

  /** @internal made by ConcurrencyGate.enter */
  constructor(private readonly gate: ConcurrencyGate) {}

  /** 'receiving' (body arriving), 'queued' (waiting for a slot), 'running' or 'left'. */
  get state(): State {
    return this.#state;
  }

  /** The pixels this parse holds while it runs. */
  get pixels(): number {
    return this.#pixels;
  }

  /** Its cost in plain model passes. */
  get cost(): number {
    return this.#cost;
  }

  /** @internal when it started running (performance.now()). */
  get startedAt(): number {
    return this.#startedAt;
  }

  /**
   * The body is read: waits for a parse slot and room for its pixels (first come, first served).
   * Rejects with GateFullError when every queue place is taken by then, GateTimeoutError after
   * `timeoutMs`, the signal's reason when it aborts, or when the ticket leaves meanwhile; in every
   * case the place is given back.
   */
  async acquire(timeoutMs: number, signal?: AbortSignal, work: GateWork | number = {}): Promise<void> {
    // Aborted first: a client that went away during its upload has already given its place back.
    if (signal?.aborted) {
      this.leave();
      throw signal.reason;
    }
    if (this.#state !== 'receiving' || this.#waiter) throw new Error(`ticket is ${this.#state}, not receiving`);
    const { pixels = 0, cost = 1 } = typeof work === 'number' ? { pixels: work } : work;
    this.#pixels = pixels;
    this.#cost = Math.max(1, cost);
    try {
      this.gate.toQueue(this);
    } catch (error) {
      this.leave();
      throw error;
    }
    this.#state = 'queued';
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

  /** Gives back the slot or the place (a pending acquire rejects); later calls do nothing. */
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
  readonly #tickets = new Set<GateTicket>();
  #running = 0;
  /** Tickets whose body is arriving. */
  #receiving = 0;
  /** Tickets whose body is read, waiting for a slot (those in #waiting and those being started). */
  #queued = 0;
  /** Tickets waiting for a slot, in arrival order. */
  readonly #waiting: GateTicket[] = [];
  readonly pixelBudget: number;
  #pixels = 0;
  readonly deadlineMs: number;
  /** Moving average of the service time of one unit of cost (ms); undefined until a parse ends. */
  #unitMs: number | undefined;

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

  /** Requests admitted and not yet running: bodies arriving plus bodies read and waiting for a slot. */
  get queued(): number {
    return this.#receiving + this.#queued;
  }

  /** Requests whose body is read, waiting for a slot. */
  get waiting(): number {
    return this.#queued;
  }

  /** Requests whose body is still arriving. */
  get receiving(): number {
    return this.#receiving;
  }

  /** The measured service time of one plain parse (ms), undefined until one ends. */
  get paceMs(): number | undefined {
    return this.#unitMs;
  }

  /**
   * Claims an upload place for a request that just arrived; throws GateFullError (with a
   * Retry-After estimate) when all are taken, when the waiting and running parses fill every slot
   * and queue place, or when the work ahead would, at the measured pace, outlast the deadline.
   */
  enter(): GateTicket {
    const places = this.concurrency + this.maxQueue;
    if (this.#receiving >= places || this.#running + this.#queued >= places) throw new GateFullError(this.retryAfterSeconds(), 'full');
    const wait = this.#waitMs();
    if (wait > 0 && wait + this.#unitMs! > this.deadlineMs) throw new GateFullError(this.retryAfterSeconds(), 'too_slow');
    this.#receiving++;
    const ticket = new GateTicket(this);
    this.#tickets.add(ticket);
    return ticket;
  }

  /** How long a newcomer would wait for a slot at the measured pace: 0 while a slot is free and nobody waits. */
  #waitMs(): number {
    if (this.#unitMs === undefined || (this.#running < this.concurrency && this.#waiting.length === 0)) return 0;
    const now = performance.now();
    let ahead = 0;
    for (const t of this.#tickets) {
      if (t.state === 'queued') ahead += t.cost;
      else if (t.state === 'running') ahead += Math.max(0, t.cost - (now - t.startedAt) / this.#unitMs);
    }
    return (ahead / this.concurrency) * this.#unitMs;
  }

  /** Seconds until the work ahead is likely done at the measured pace (1 s before any parse is timed), 1 to 60. */
  retryAfterSeconds(): number {
    const ms = this.#unitMs === undefined ? 1000 * (this.#running + this.queued) : this.#waitMs() + this.#unitMs;
    return Math.min(60, Math.max(1, Math.ceil(ms / 1000)));
  }

  /** @internal a body is read: from an upload place to a queue place. */
  toQueue(_ticket: GateTicket): void {
    if (this.#running + this.#queued >= this.concurrency + this.maxQueue) throw new GateFullError(this.retryAfterSeconds(), 'full');
    this.#receiving--;
    this.#queued++;
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
    this.#tickets.delete(ticket);
    if (was === 'receiving') {
      this.#receiving--;
    } else if (was === 'queued') {
      this.#queued--;
      const at = this.#waiting.indexOf(ticket);
      if (at >= 0) this.#waiting.splice(at, 1);
    } else if (was === 'running') {
      this.#running--;
      this.#pixels -= ticket.pixels;
      if (serviceMs !== undefined) {
        const unit = serviceMs / ticket.cost;
        const pace = this.#unitMs;
        this.#unitMs = pace === undefined ? unit : 0.8 * pace + 0.2 * Math.min(Math.max(unit, pace / MAX_PACE_STEP), pace * MAX_PACE_STEP);
      }
    }
    this.#startNext();
  }

  #startNext(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!)) this.#start(this.#waiting.shift()!);
  }
}
