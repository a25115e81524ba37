import type { Redis } from 'ioredis';
import { COUNT_IN_WINDOW_LUA, type RateLimitDecision, type RateLimiter } from '../rate-limit/limiter.ts';
import type { RunRedis } from '../redis/runner.ts';
import type { Session, SessionStore } from '../sessions/store.ts';

/**
 * The API limit and the session in one atomic script: KEYS[1] the client's counter, KEYS[2] the
 * session; ARGV[1] window (ms), ARGV[2] count (1) or only read (0) the counter, ARGV[3] limit,
 * ARGV[4] session TTL (s). A refused request does not
 * slide its session. GETEX reads and re-arms the TTL at once and never recreates a deleted key,
 * so a logout on one replica cannot be undone by a concurrent request on another.
 */
const ACCESS_LUA = `${COUNT_IN_WINDOW_LUA}
if count > tonumber(ARGV[3]) then
  return {count, ttl, false}
end
return {count, ttl, redis.call('GETEX', KEYS[2], 'EX', ARGV[4])}
`;

export interface AccessDecision {
  rateLimit: RateLimitDecision;
  /** The session, its expiry slid; null when it is unknown, expired, or was not read because the limit refused. */
  session: Session | null;
}

export interface AccessCheck {
  readonly limiterName: string;
  /** Counts the request against the client's limit and, if it is admitted, reads and slides the session. */
  check(clientKey: string, token: string): Promise<AccessDecision>;
  /** For requests without a usable token: only the limit is counted. */
  count(clientKey: string): Promise<RateLimitDecision>;
}

interface ScriptedRedis extends Redis {
  xwingAccess(counterKey: string, sessionKey: string, windowMs: number, count: 0 | 1, limit: number, ttlSeconds: number): Promise<[number, number, string | null]>;
}

/**
 * Every authenticated request needs both answers; one command instead of two halves the
 * commands Redis and ioredis handle per request (the largest cost on the hot path when profiled).
 */
export function createAccessCheck(redis: Redis, run: RunRedis, limiter: RateLimiter, sessions: SessionStore): AccessCheck {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.xwingAccess !== 'function') redis.defineCommand('xwingAccess', { numberOfKeys: 2, lua: ACCESS_LUA });
  const operation = `access.${limiter.name}`;
  return {
    limiterName: limiter.name,
    async check(clientKey, token) {
      const [count, ttlMs, raw] = await run(operation, (retry) =>
        scripted.xwingAccess(limiter.keyFor(clientKey), sessions.keyFor(token), limiter.windowMs, retry ? 0 : 1, limiter.limit, sessions.ttlSeconds),
      );
      return { rateLimit: limiter.decide(count, ttlMs), session: raw === null ? null : sessions.fromStored(raw) };
    },
    count: (clientKey) => limiter.consume(clientKey),
  };
}
