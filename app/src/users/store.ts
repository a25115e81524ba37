import type { Redis } from 'ioredis';
import { redisCall } from '../redis.ts';
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

export function createUserStore(redis: Redis, scryptCost: number): UserStore {
  // Hashing against a decoy for unknown users keeps login time from revealing which names exist.
  const decoy = hashPassword('decoy password', scryptCost);
  return {
    async register(username, password) {
      const stored: StoredUser = { password: await hashPassword(password, scryptCost), createdAt: new Date().toISOString() };
      const result = await redisCall('user.register', redis.set(key(username), JSON.stringify(stored), 'NX'));
      return result === 'OK';
    },
    async verify(username, password) {
      const raw = await redisCall('user.get', redis.get(key(username)));
      if (raw === null) {
        await verifyPassword(password, await decoy);
        return false;
      }
      return verifyPassword(password, (JSON.parse(raw) as StoredUser).password);
    },
  };
}
