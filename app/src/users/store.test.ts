import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../test/support/harness.ts';
import type { RunRedis } from '../redis/runner.ts';
import { createUserStore } from './store.ts';

describe('the user store on a real Redis', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('a sign-up sent again after an ambiguous failure succeeds once, and a taken name stays taken', async () => {
    // The runner sends the attempt again after a timeout or a dropped connection; here the first one landed.
    const sentTwice: RunRedis = async (_operation, attempt) => {
      await attempt(false);
      return attempt(true);
    };
    const users = createUserStore(t.redis, sentTwice, 1024);
    const name = `u${randomUUID().slice(0, 8)}`;
    expect(await users.register(name, 'first password')).toBe(true);
    expect(await users.register(name, 'second password')).toBe(false);
    expect(await users.verify(name, 'first password')).toBe(true);
    expect(await users.verify(name, 'second password')).toBe(false);
  });
});
