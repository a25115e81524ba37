import type { Redis } from 'ioredis';
import type { RunRedis } from '../redis/runner.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export interface UserStore {
  /** false when the username is taken. */
  register(username: string, password: string): Promise<boolean>;
  /** true only for an existing user with that password; costs the same either way. */
  verify(username: string, password: string): Promise<boolean>;
}

interface StoredUser {
  password: string;
  createdAt: string;
}

const key = (username: string) => `user:${username}`;

export function createUserStore(redis: Redis, run: RunRedis, scryptCost: number): UserStore {
  // Hashing against a decoy for unknown users keeps login time from revealing which names exist.
  const decoy = hashPassword('decoy password', scryptCost);
  return {
    async register(username, password) {
      const stored: StoredUser = { password: await hashPassword(password, scryptCost), createdAt: new Date().toISOString() };
      const record = JSON.stringify(stored);
      return run('user.register', async (retry) => {
        if ((await redis.set(key(username), record, 'NX')) === 'OK') return true;
        // After an attempt that may have landed, a taken name holding our own record (its salt
        // is unique) means that attempt did land: the sign-up succeeded, the name is not taken.
        return retry && (await redis.get(key(username))) === record;
      });
    },
    async verify(username, password) {
      const raw = await run('user.get', () => redis.get(key(username)));
      if (raw === null) {
        await verifyPassword(password, await decoy);
        return false;
      }
      return verifyPassword(password, (JSON.parse(raw) as StoredUser).password);
    },
  };
}
