import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckFailed } from './checks.ts';
import { probeListener } from './probes.ts';

describe('the probe listener', () => {
  let server: Server;
  let base: string;
  let ready: 'yes' | 'no' | 'bug' = 'yes';
  const errors: unknown[] = [];
  beforeAll(async () => {
    server = createServer(
      probeListener({
        checks: {
          '/healthz': () => Promise.resolve({ uptimeSeconds: 3 }),
          '/readyz': () => {
            if (ready === 'no') return Promise.reject(new CheckFailed({ redis: 'down' }));
            if (ready === 'bug') return Promise.reject(new TypeError('a bug'));
            return Promise.resolve({ redis: 'ok' });
          },
        },
        next: (_req, res) => res.writeHead(418).end('app'),
        onError: (error) => errors.push(error),
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('answers GET and HEAD with the check, in the body shape terminus gave, never stored by a cache', async () => {
    const res = await fetch(`${base}/healthz`);
    expect([res.status, res.headers.get('cache-control'), res.headers.get('content-type')]).toEqual([200, 'no-store', 'application/json']);
    expect(await res.json()).toEqual({ status: 'ok', info: { uptimeSeconds: 3 }, details: { uptimeSeconds: 3 } });
    const head = await fetch(`${base}/readyz`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('answers 503 with the causes of a failed check, and reports a check that broke', async () => {
    ready = 'no';
    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'error', error: { redis: 'down' }, details: { redis: 'down' } });
    ready = 'bug';
    const broken = await fetch(`${base}/readyz`);
    expect([broken.status, await broken.json()]).toEqual([503, { status: 'error' }]);
    expect(errors).toHaveLength(1);
    ready = 'yes';
  });

  it('answers OPTIONS with Allow, and any other method 405 with Allow as problem+json', async () => {
    const options = await fetch(`${base}/healthz`, { method: 'OPTIONS' });
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, HEAD, OPTIONS']);
    const post = await fetch(`${base}/readyz`, { method: 'POST' });
    expect([post.status, post.headers.get('allow'), post.headers.get('content-type')]).toEqual([405, 'GET, HEAD, OPTIONS', 'application/problem+json']);
    expect(await post.json()).toMatchObject({ type: 'https://xwing.dev/problems/methodNotAllowed', status: 405, instance: '/readyz' });
  });

  it('passes everything else on, a probe path with a query string included', async () => {
    for (const path of ['/profile', '/healthz?x=1', '/readyz/']) expect((await fetch(`${base}${path}`)).status).toBe(418);
  });
});
