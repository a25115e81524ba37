import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

describe('response headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ servedBy: 'pod-a' });
  });
  afterAll(() => t.close());

  it('carry the security headers that matter to a JSON API on every answer, success or problem', async () => {
    const { token } = await registerAndLogin(t);
    const answers = await Promise.all([
      t.http.get('/auth/session').set(bearer(token)).expect(200),
      t.http.get('/auth/session').expect(401),
      t.http.get('/no/such/route').expect(404),
      t.http.post('/auth/login').set('Content-Type', 'application/json').send('{"oops"').expect(400),
    ]);
    for (const res of answers) {
      expect(res.headers).toMatchObject(SECURITY_HEADERS);
      expect(res.headers['x-served-by']).toBe('pod-a');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers).not.toHaveProperty('x-powered-by');
    }
  });
});
