import { createServer, type RequestListener, type Server } from 'node:http';
import type { Config } from '../config.ts';

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
export function createHttpServer(listener: RequestListener, timeouts: ServerTimeouts): Server {
  const server = createServer(
    {
      keepAliveTimeout: timeouts.KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: timeouts.HEADERS_TIMEOUT_MS,
      requestTimeout: timeouts.REQUEST_TIMEOUT_MS,
      noDelay: true,
    },
    listener,
  );
  server.maxRequestsPerSocket = timeouts.MAX_REQUESTS_PER_SOCKET;
  return server;
}
