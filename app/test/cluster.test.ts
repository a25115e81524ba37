import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidAlive, waitFor } from '../../harness/index.ts';
import { spawnService, type Service } from './support/processes.ts';

describe('cluster mode (WEB_CONCURRENCY > 1)', () => {
  let service: Service;
  const workerPids = () => [...service.output().matchAll(/"pid":(\d+),"msg":"xwing listening"/g)].map((m) => Number(m[1]));

  beforeAll(async () => {
    service = await spawnService({ WEB_CONCURRENCY: '2', SHUTDOWN_DELAY_MS: '0' });
    await waitFor('two workers listening', async () => workerPids().length === 2, { timeoutMs: 10_000 });
  });
  afterAll(() => service.stop());

  it('replaces a worker that dies and keeps serving', async () => {
    const [victim] = workerPids();
    process.kill(victim!, 'SIGKILL');
    await waitFor('a replacement worker listening', async () => workerPids().length === 3, { timeoutMs: 10_000 });
    expect(service.output()).toMatch(/worker died; forking a replacement/);
    await waitFor('ready again', async () => (await fetch(`${service.url}/readyz`)).status === 200, { timeoutMs: 10_000 });
  });

  it('aggregates /metrics across workers on the primary', async () => {
    for (let i = 0; i < 20; i += 1) await fetch(`${service.url}/auth/session`);
    const text = await (await fetch(service.metricsUrl)).text();
    const count = text.match(/^http_request_duration_seconds_count\{method="GET",route="\/auth\/session",status_code="401"\} (\d+)/m);
    expect(Number(count?.[1])).toBe(20);
    expect(text).toMatch(/^xwing_build_info\{.*\} 1$/m);
  });

  it('drains every worker on SIGTERM and exits 0', async () => {
    service.process.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  });

  it('leaves no orphan worker behind when the primary is SIGKILLed (workers exit with their IPC channel)', async () => {
    const killed = await spawnService({ WEB_CONCURRENCY: '2', SHUTDOWN_DELAY_MS: '0' });
    const pids = () => [...killed.output().matchAll(/"pid":(\d+),"msg":"xwing listening"/g)].map((m) => Number(m[1]));
    await waitFor('two workers listening', async () => pids().length === 2, { timeoutMs: 10_000 });
    killed.process.kill('SIGKILL');
    await killed.exited;
    await waitFor('every worker gone', async () => !pids().some(pidAlive), { timeoutMs: 10_000 });
    expect(pids().filter(pidAlive)).toEqual([]);
  });
});
