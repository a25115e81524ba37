import { request, Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/index.ts';
import { login, spawnService, type Service } from './support/processes.ts';

/** `agent: false` means a fresh connection: Node's global agent would reuse a pooled keep-alive socket. */
function get(url: string, agent: Agent | false = false): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('graceful shutdown on SIGTERM (terminus)', () => {
  let service: Service | undefined;
  afterEach(async () => service?.stop());

  it('fails readiness at once, serves through the delay, finishes in-flight work and exits 0', async () => {
    service = await spawnService({ SHUTDOWN_DELAY_MS: '800', SHUTDOWN_TIMEOUT_MS: '5000', WORK_MAX_MS: '3000' });
    const { url } = service;
    const token = await login(url, 'shutdown-user');
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    await get(`${url}/healthz`, keepAlive);
    const idle = Object.values(keepAlive.freeSockets).flat()[0];
    expect(idle).toBeDefined();
    let idleClosedAt = Number.POSITIVE_INFINITY;
    idle?.once('close', () => (idleClosedAt = Date.now()));

    const inFlight = fetch(`${url}/work?ms=2000`, { headers: { Authorization: `Bearer ${token}` } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    service.process.kill('SIGTERM');
    await service.waitForOutput(/readiness failing/);

    expect((await get(`${url}/readyz`)).status).toBe(503);
    expect((await get(`${url}/healthz`)).status).toBe(200);
    const duringDelay = await fetch(`${url}/auth/session`, { headers: { Authorization: `Bearer ${token}` } });
    expect(duringDelay.status).toBe(200);

    await service.waitForOutput(/closing listener/);
    // A connection accepted in the instant before close() is ended idle; soon after, none is accepted.
    await waitFor(
      'the listener closed',
      () => get(`${url}/healthz`).then(
        () => false,
        (error: unknown) => (error as NodeJS.ErrnoException).code === 'ECONNREFUSED',
      ),
      { timeoutMs: 1000 },
    );

    const finished = await inFlight;
    expect(finished.status).toBe(200);
    // The idle keep-alive socket was closed by the drain, not by the process exiting later.
    expect(idleClosedAt).toBeLessThan(Date.now());
    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/shutdown: complete/);
    keepAlive.destroy();
  });

  it('stops with a message naming the variable when the configuration is invalid', async () => {
    service = await spawnService({ SESSION_TTL_SECONDS: 'forever' }, { waitReady: false });
    expect(await service.exited).toBe(78);
    expect(service.output()).toMatch(/SESSION_TTL_SECONDS: /);
  });
});
