import type { DurableWrite } from '../redis/durable.ts';
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

/**
 * Sessions are read by the access check, which slides their expiry in the same Redis command
 * as the rate limit (see access/); the store says where a session lives and what it holds.
 */
export interface SessionStore {
  readonly ttlSeconds: number;
  /** The Redis key of a token's session: a digest, never the token itself. */
  keyFor(token: string): string;
  /** The session a stored value describes, its expiry just slid to a full TTL. */
  fromStored(raw: string): Session;
  create(username: string): Promise<{ token: string; session: Session }>;
  /** Ends the sessions of every token given, in one durable write. */
  destroy(tokens: string[]): Promise<void>;
}

const key = (token: string) => `session:${hashToken(token)}`;

/** Logins and logouts go through `write`: once the client hears of them, a failover cannot undo them. */
export function createSessionStore(write: DurableWrite, ttlSeconds: number, now: () => number = Date.now): SessionStore {
  const expiresAt = () => new Date(now() + ttlSeconds * 1000).toISOString();
  return {
    ttlSeconds,
    keyFor: key,
    fromStored(raw) {
      const stored = JSON.parse(raw) as StoredSession;
      return { username: stored.u, createdAt: stored.c, expiresAt: expiresAt() };
    },
    async create(username) {
      const token = generateToken();
      const createdAt = new Date(now()).toISOString();
      const stored: StoredSession = { u: username, c: createdAt };
      await write('session.create', [['set', key(token), JSON.stringify(stored), 'EX', ttlSeconds]]);
      return { token, session: { username, createdAt, expiresAt: expiresAt() } };
    },
    async destroy(tokens) {
      if (tokens.length > 0) await write('session.destroy', [['del', ...tokens.map(key)]]);
    },
  };
}
