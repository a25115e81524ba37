import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../src/profile/lookup.ts';
import { bearer, registerAndLogin, testFleet, type TestApp } from './support/harness.ts';

describe('a fleet of instances sharing one Redis behaves as one service', () => {
  let fleet: TestApp[] = [];
  let lookups = 0;
  const slowLookup = async (username: string): Promise<Profile> => {
    lookups += 1;
    await new Promise((resolve) => setTimeout(resolve, 150));
    return { username, displayName: username, avatarColor: '#000000', tier: 'gold', generatedAt: new Date().toISOString() };
  };
  const at = (i: number) => fleet[i % fleet.length]!;

  beforeAll(async () => {
    fleet = await testFleet(['xwing-a', 'xwing-b', 'xwing-c'], { profileLookup: slowLookup });
  });
  afterAll(() => Promise.all(fleet.map((t) => t.close())));

  it('accepts a login made on one instance on every other', async () => {
    const { token, username } = await registerAndLogin(at(0));
    const res = await at(1).http.get('/auth/session').set(bearer(token)).expect(200);
    expect(res.body).toMatchObject({ username });
    expect(res.headers['x-served-by']).toBe('xwing-b');
    await at(2).http.get('/auth/session').set(bearer(token)).expect(200);
  });

  it('rejects a session on every instance once it is logged out on one', async () => {
    const { token } = await registerAndLogin(at(0));
    await at(1).http.post('/auth/logout').set(bearer(token)).expect(204);
    await at(0).http.get('/auth/session').set(bearer(token)).expect(401);
    await at(2).http.get('/auth/session').set(bearer(token)).expect(401);
  });

  it('runs the expensive lookup once for concurrent misses across instances', async () => {
    const { token } = await registerAndLogin(at(0));
    lookups = 0;
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => at(i).http.get('/profile').set(bearer(token))));
    expect(responses.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(lookups).toBe(1);
    expect(new Set(responses.map((r) => r.headers.etag)).size).toBe(1);
    const again = await at(2).http.get('/profile').set(bearer(token)).expect(200);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(lookups).toBe(1);
  });

  it('admits exactly the limit when parallel requests hit several instances', async () => {
    const limited = await testFleet(['rl-a', 'rl-b', 'rl-c'], { env: { RATE_LIMIT_MAX: '25' } });
    try {
      const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => limited[i % 3]!.http.get('/auth/session')));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(25);
      expect(statuses.filter((s) => s === 429)).toHaveLength(35);
    } finally {
      await Promise.all(limited.map((t) => t.close()));
    }
  });
});
