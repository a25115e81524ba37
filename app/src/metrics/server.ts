import type { Server } from 'node:http';
import { allowHeader } from '../http/methods.ts';
import { createServer } from '../http/node-http.ts';

const METRICS_ALLOW = allowHeader(['GET']);

/**
 * /metrics lives on its own port so it is never exposed through the public Service or ingress,
 * and never passes through the rate limiter or session check.
 */
export function createMetricsServer(render: () => Promise<{ contentType: string; body: string }>): Server {
  return createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { Allow: METRICS_ALLOW }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'text/plain', Allow: METRICS_ALLOW }).end('method not allowed\n');
      return;
    }
    // Node sends no body in answer to HEAD, only the headers a GET would get.
    render().then(
      ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType }).end(body),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
}
