import type { Redis } from 'ioredis';
import { redisCall } from '../redis.ts';
import { generateToken, hashToken } from './tokens.ts';

export interface Session {
  username: string;
  createdAt: string;
  expiresAt: string;
}

interface StoredSession {
  u: string;
  c: string;
}

export interface SessionStore {
  create(username: string): Promise<{ token: string; session: Session }>;
  /** Reads the session and slides its expiry in one atomic command; null if unknown or expired. */
  touch(token: string): Promise<Session | null>;
  destroy(token: string): Promise<void>;
}

const key = (token: string) => `session:${hashToken(token)}`;

export function createSessionStore(redis: Redis, ttlSeconds: number, now: () => number = Date.now): SessionStore {
  const expiresAt = () => new Date(now() + ttlSeconds * 1000).toISOString();
  return {
    async create(username) {
      const token = generateToken();
      const createdAt = new Date(now()).toISOString();
      const stored: StoredSession = { u: username, c: createdAt };
      await redisCall('session.create', redis.set(key(token), JSON.stringify(stored), 'EX', ttlSeconds));
      return { token, session: { username, createdAt, expiresAt: expiresAt() } };
    },
    async touch(token) {
      // GETEX reads and re-arms the TTL atomically and never recreates a deleted key, so a
      // logout on one replica cannot be undone by a concurrent request on another.
      const raw = await redisCall('session.touch', redis.getex(key(token), 'EX', ttlSeconds));
      if (raw === null) return null;
      const stored = JSON.parse(raw) as StoredSession;
      return { username: stored.u, createdAt: stored.c, expiresAt: expiresAt() };
    },
    async destroy(token) {
      await redisCall('session.destroy', redis.del(key(token)));
    },
  };
}
