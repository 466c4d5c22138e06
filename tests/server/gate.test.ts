/** The concurrency gate on its own: slots, the bounded queue, first come first served, deadlines, aborts, places given back once. */
import { describe, expect, it } from 'vitest';
import { ConcurrencyGate, GateFullError, GateTimeoutError } from '../../src/server/gate.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ConcurrencyGate', () => {
  it('runs up to `concurrency`, queues up to `maxQueue`, refuses the rest with a Retry-After estimate', async () => {
    const gate = new ConcurrencyGate({ concurrency: 2, maxQueue: 1 });
    const [a, b, c] = [gate.enter(), gate.enter(), gate.enter()];
    expect(() => gate.enter()).toThrow(GateFullError);
    try {
      gate.enter();
    } catch (error) {
      expect((error as GateFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect((error as GateFullError).retryAfterSeconds).toBeLessThanOrEqual(60);
    }
    await a.acquire(1000);
    await b.acquire(1000);
    expect([gate.running, gate.queued]).toEqual([2, 1]);
    let cStarted = false;
    const cDone = c.acquire(1000).then(() => (cStarted = true));
    await tick();
    expect(cStarted).toBe(false);
    a.leave();
    await cDone;
    expect([gate.running, gate.queued]).toEqual([2, 0]);
    b.leave();
    c.leave();
    c.leave(); // twice: nothing more is given back
    expect([gate.running, gate.queued]).toEqual([0, 0]);
  });

  it('grants slots in arrival order', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, maxQueue: 3 });
    const first = gate.enter();
    await first.acquire(1000);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => {
      const ticket = gate.enter();
      return ticket.acquire(1000).then(() => {
        order.push(n);
        ticket.leave();
      });
    });
    first.leave();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    expect([gate.running, gate.queued]).toEqual([0, 0]);
  });

  it('a wait past its deadline, or aborted, gives its place back', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, maxQueue: 2 });
    const holder = gate.enter();
    await holder.acquire(1000);
    const late = gate.enter();
    await expect(late.acquire(20)).rejects.toBeInstanceOf(GateTimeoutError);
    expect(gate.queued).toBe(0);
    const gone = gate.enter();
    const abort = new AbortController();
    const waiting = gone.acquire(5000, abort.signal);
    abort.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    expect(gate.queued).toBe(0);
    // A client gone before its wait began (its place already given back): the abort reason, not a state error.
    const early = gate.enter();
    const upload = new AbortController();
    upload.abort(new Error('gone during upload'));
    early.leave();
    await expect(early.acquire(5000, upload.signal)).rejects.toThrow('gone during upload');
    const left = gate.enter();
    const pending = left.acquire(5000);
    left.leave();
    await expect(pending).rejects.toThrow();
    expect([gate.running, gate.queued]).toEqual([1, 0]);
    holder.leave();
    expect(gate.running).toBe(0);
  });

  it('the pixel budget: photos run together while they fit, a photo alone always runs, the head is not overtaken', async () => {
    const gate = new ConcurrencyGate({ concurrency: 4, maxQueue: 4, pixelBudget: 100 });
    const a = gate.enter();
    await a.acquire(1000, undefined, 60);
    const b = gate.enter();
    let bStarted = false;
    const bDone = b.acquire(1000, undefined, 60).then(() => (bStarted = true)); // 120 > 100: waits, a slot is free
    const c = gate.enter();
    let cStarted = false;
    const cDone = c.acquire(1000, undefined, 10).then(() => (cStarted = true)); // would fit, but b is first
    await tick();
    expect([bStarted, cStarted, gate.running, gate.pixelsInFlight]).toEqual([false, false, 1, 60]);
    a.leave();
    await Promise.all([bDone, cDone]);
    expect([gate.running, gate.pixelsInFlight]).toEqual([2, 70]);
    b.leave();
    c.leave();
    const huge = gate.enter();
    await huge.acquire(1000, undefined, 1000); // over the budget, but alone
    expect(gate.pixelsInFlight).toBe(1000);
    huge.leave();
    expect([gate.running, gate.pixelsInFlight]).toEqual([0, 0]);
  });

  it('once a parse has been timed, a newcomer whose wait would outlast the deadline is refused at once', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, maxQueue: 10, deadlineMs: 100 });
    const first = gate.enter();
    const second = gate.enter(); // nothing timed yet: admitted whatever the queue
    await first.acquire(1000);
    await new Promise((r) => setTimeout(r, 80));
    first.leave(); // one parse of >= ~80 ms
    await second.acquire(1000);
    try {
      gate.enter(); // one ahead: (1 + 1) x ~80 ms > 100 ms
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GateFullError);
      expect((error as GateFullError).reason).toBe('too_slow');
      expect((error as GateFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    second.leave();
    const alone = gate.enter(); // nothing ahead: always admitted
    alone.leave();
    expect([gate.running, gate.queued]).toEqual([0, 0]);
  });

  it('uploads hold upload places, not queue places; a body read when every place is taken by then is refused', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, maxQueue: 1 });
    const [a, b] = [gate.enter(), gate.enter()];
    expect([gate.receiving, gate.waiting, gate.queued]).toEqual([2, 0, 2]);
    expect(() => gate.enter()).toThrow(GateFullError); // two bodies arriving: the upload places are full
    await a.acquire(1000);
    const c = gate.enter(); // one running, one arriving: room for one more upload
    const bWaits = b.acquire(1000);
    expect([gate.running, gate.waiting, gate.receiving]).toEqual([1, 1, 1]);
    await expect(c.acquire(1000)).rejects.toBeInstanceOf(GateFullError); // its body came when the slot and the queue place were taken
    expect(c.state).toBe('left');
    a.leave();
    await bWaits;
    b.leave();
    expect([gate.running, gate.queued]).toEqual([0, 0]);
  });

  it('a slow parse does not set the pace for everyone: its remaining cost runs out while it runs, and a free slot admits', async () => {
    const gate = new ConcurrencyGate({ concurrency: 2, maxQueue: 4, deadlineMs: 100 });
    const slow = gate.enter();
    await slow.acquire(1000);
    await new Promise((r) => setTimeout(r, 150));
    slow.leave(); // a pace of ~150 ms, over the deadline
    expect(gate.paceMs).toBeGreaterThan(100);
    const again = gate.enter();
    await again.acquire(1000); // a free slot: admitted whatever the pace
    const uploads = [gate.enter(), gate.enter(), gate.enter()]; // bodies arriving are no work ahead
    const next = gate.enter();
    await next.acquire(1000); // the second slot
    // Both slots busy: a newcomer would wait; once the running parses have outlived their cost, the wait is none.
    expect(() => gate.enter()).toThrow(GateFullError);
    await new Promise((r) => setTimeout(r, 200));
    expect(() => gate.enter().leave()).not.toThrow();
    for (const t of [again, next, ...uploads]) t.leave();
    expect([gate.running, gate.queued]).toEqual([0, 0]);
  });

  it('a queue of 0 refuses everything beyond the running slots', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, maxQueue: 0 });
    const only = gate.enter();
    expect(() => gate.enter()).toThrow(GateFullError);
    await only.acquire(10);
    only.leave();
    expect(() => gate.enter().leave()).not.toThrow();
  });
});
