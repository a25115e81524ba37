import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';
import { burnCpu } from './handler.ts';

describe('/work', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { WORK_MAX_MS: '500' } });
  });
  afterAll(() => t.close());

  it('keeps hashing until the requested time has passed, in many short slices', async () => {
    const { token } = await registerAndLogin(t);
    const res = await t.http.get('/work?ms=120').set(bearer(token)).expect(200);
    const body = res.body as { requestedMs: number; elapsedMs: number; rounds: number; slices: number };
    expect(body.requestedMs).toBe(120);
    expect(body.elapsedMs).toBeGreaterThanOrEqual(120);
    expect(body.rounds).toBeGreaterThan(0);
    expect(body.slices).toBeGreaterThan(1);
  });

  it('refuses anonymous callers and values over WORK_MAX_MS', async () => {
    await t.http.get('/work?ms=10').expect(401);
    const { token } = await registerAndLogin(t);
    const res = await t.http.get('/work?ms=501').set(bearer(token)).expect(400);
    expect(res.body).toMatchObject({ detail: 'ms must be a whole number from 1 to 500.' });
  });

  it('yields to the event loop between slices', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    await burnCpu(100);
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
});
