import { randomUUID } from 'node:crypto';
import type { RequestListener, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.ts';
import { createServer } from './node-http.ts';
import { HttpProblem, type ProblemKind } from './problem.ts';

/** How often Node looks for connections past HEADERS_TIMEOUT_MS or REQUEST_TIMEOUT_MS. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

export type ServerTimeouts = Pick<
  Config,
  'KEEP_ALIVE_TIMEOUT_MS' | 'HEADERS_TIMEOUT_MS' | 'REQUEST_TIMEOUT_MS' | 'MAX_REQUESTS_PER_SOCKET'
>;

/**
 * Settings for life behind a load balancer: idle keep-alive outlives the usual 60 s proxy idle
 * timeout (so the proxy, not us, closes idle sockets and never races a reuse), slow clients are cut
 * off by the header and request timeouts, and a cap on requests per connection makes long-lived
 * clients reconnect, so that they spread onto replicas added by a scale-out.
 */
export function createHttpServer(listener: RequestListener, timeouts: ServerTimeouts, servedBy: string): Server {
  const server = createServer(
    {
      keepAliveTimeout: timeouts.KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: timeouts.HEADERS_TIMEOUT_MS,
      requestTimeout: timeouts.REQUEST_TIMEOUT_MS,
      // Node enforces the two timeouts above only when this timer fires (every 30 s by default),
      // so a slow client would otherwise hold its socket up to 30 s longer than configured.
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
      noDelay: true,
    },
    listener,
  );
  server.maxRequestsPerSocket = timeouts.MAX_REQUESTS_PER_SOCKET;
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => answerClientError(error, socket, servedBy));
  return server;
}

/**
 * Requests Node's parser refuses (bad syntax, oversized headers, too slow) never reach Express;
 * answer them in the same problem+json shape instead of Node's bare status line.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex, servedBy: string): void {
  // A response already on the wire (a pipelined request, or a slow body after an early 429) must
  // not get a second status line spliced into it: Node's own default handler destroys the socket too.
  const current = (socket as Duplex & { _httpMessage?: { headersSent: boolean } })._httpMessage;
  if (!socket.writable || current?.headersSent === true || (error.code === 'ECONNRESET' && socket.destroyed)) {
    socket.destroy();
    return;
  }
  const kind: ProblemKind =
    error.code === 'HPE_HEADER_OVERFLOW' ? 'headersTooLarge' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'requestTimeout' : 'badRequest';
  const problem = new HttpProblem(kind);
  const body = JSON.stringify(problem.body());
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.message}\r\nContent-Type: application/problem+json\r\n` +
      `X-Served-By: ${servedBy}\r\nX-Request-Id: ${randomUUID()}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
