/**
 * The request/reply plumbing both browser workers use (the model's, inferenceWorker.ts, and the
 * face detector's, tensorWorker.ts): numbered requests, `{ id, ok, value | error }` replies, and
 * FaceParseError codes kept across the worker boundary.
 */
import { FaceParseError, type FaceParseErrorCode } from '../../base/errors.js';

export type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { code: FaceParseErrorCode; message: string } };

/** Page side: settles `pending` calls from the worker's replies; a worker that fails rejects them all with DEVICE_UNAVAILABLE. */
export function listenForReplies(
  worker: Worker,
  pending: Map<number, Pending>,
  failure: { onError: (event: ErrorEvent) => string; onMessageError: string },
): void {
  const failAll = (message: string) => {
    for (const { reject } of pending.values()) reject(new FaceParseError('DEVICE_UNAVAILABLE', message));
    pending.clear();
  };
  worker.addEventListener('message', (event: MessageEvent<Reply>) => {
    const reply = event.data;
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    if (reply.ok) call.resolve(reply.value);
    else call.reject(new FaceParseError(reply.error.code, reply.error.message));
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    failAll(failure.onError(event));
  });
  worker.addEventListener('messageerror', () => failAll(failure.onMessageError));
}

/** Worker side: answers each request with `handle`'s value (and transfer list), or its error with the code it carries (else MODEL_INVALID). */
export function serveRequests<R extends { id: number }>(handle: (request: R) => Promise<{ value: unknown; transfer?: Transferable[] }>): void {
  // Typed by what is used: this module is also loaded on the page, whose types have no worker scope.
  const scope = self as unknown as {
    addEventListener(type: 'message', listener: (event: MessageEvent<R>) => void): void;
    postMessage(message: unknown, transfer: Transferable[]): void;
  };
  // Every failure of a request is answered (the catch below), so the promise is not awaited.
  const respond = async (request: R) => {
    try {
      const { value, transfer = [] } = await handle(request);
      scope.postMessage({ id: request.id, ok: true, value } satisfies Reply, transfer);
    } catch (error) {
      const code = error instanceof FaceParseError ? error.code : 'MODEL_INVALID';
      const message = error instanceof Error ? error.message : String(error);
      scope.postMessage({ id: request.id, ok: false, error: { code, message } } satisfies Reply, []);
    }
  };
  scope.addEventListener('message', (event) => void respond(event.data));
}
