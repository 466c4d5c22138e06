/**
 * Connection tracking for a clean stop. Node's own `closeIdleConnections` leaves alone a connection
 * that has not sent a request yet (a preconnected or pooled socket), and `server.close()` then waits
 * for it until the client's keep-alive ends. Here a connection is idle when no request on it is
 * unanswered, whether or not it ever carried one, so a stop waits only for the answers in flight.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionTracker {
  /** Closes every connection with no request waiting for its answer. */
  closeIdle(): void;
}

export function trackConnections(server: Server): ConnectionTracker {
  const open = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    open.set(socket, 0);
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket as Socket;
    open.set(socket, (open.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (open.has(socket)) open.set(socket, Math.max(0, open.get(socket)! - 1));
    });
  });
  return {
    closeIdle() {
      for (const [socket, pending] of open) if (pending === 0) socket.destroy();
    },
  };
}
