import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonedRequest, bearer, registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';
import { createMetricsServer } from './server.ts';

describe('Prometheus metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('label request durations by route template, never by raw URL', async () => {
    const { token } = await registerAndLogin(t);
    await t.http.get('/profile').set(bearer(token)).expect(200);
    await t.http.get('/no/such/path/raw-url-marker').expect(404);
    await t.http.get('/profile').expect(401);
    const text = await t.metrics.registry.metrics();
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/profile",status_code="200"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/profile",status_code="401"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1');
    // A bare number could appear in any sample value (it did: an event-loop lag of 0.012345…).
    expect(text).not.toContain('raw-url-marker');
  });

  it('count a request the client gave up on, as status 499', async () => {
    const { token } = await registerAndLogin(t);
    await abandonedRequest(t, '/work?ms=400', bearer(token), 100);
    const text = await t.metrics.registry.metrics();
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/work",status_code="499"} 1');
  });

  it('count sessions, cache results and lookups, and publish build info and Node defaults', async () => {
    const { token } = await registerAndLogin(t);
    await t.http.get('/profile').set(bearer(token)).expect(200);
    await t.http.get('/profile').set(bearer(token)).expect(200);
    const text = await t.metrics.registry.metrics();
    expect(text).toMatch(/^xwing_sessions_created_total [2-9]/m);
    expect(text).toMatch(/^xwing_cache_hits_total [1-9]/m);
    expect(text).toMatch(/^xwing_cache_misses_total [1-9]/m);
    expect(text).toMatch(/^xwing_profile_lookups_total [1-9]/m);
    expect(text).toMatch(/^xwing_build_info\{version="test",commit="test",node_version="v\d+/m);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('are served on their own listener at /metrics only', async () => {
    const server = createMetricsServer(async () => ({ contentType: t.metrics.registry.contentType, body: await t.metrics.registry.metrics() }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      expect(await ok.text()).toContain('http_request_duration_seconds');
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
      const head = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const post = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' });
      expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD, OPTIONS']);
      const options = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'OPTIONS' });
      expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, HEAD, OPTIONS']);
    } finally {
      server.close();
    }
  });
});
