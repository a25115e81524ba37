import type { Server } from 'node:http';
import { createServer } from '../http/node-http.ts';

/**
 * /metrics lives on its own port so it is never exposed through the public Service or ingress,
 * and never passes through the rate limiter or session check.
 */
export function createMetricsServer(render: () => Promise<{ contentType: string; body: string }>): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    render().then(
      ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType }).end(body),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
}
