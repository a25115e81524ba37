import type { Redis } from 'ioredis';
import type { RunRedis } from '../redis/runner.ts';

/**
 * Fixed-window counter for KEYS[1] with window ARGV[1] (ms): increment, arm the expiry on the
 * first hit (or if a crash left the key without one), leave `count` and `ttl` (ms) set. Being part
 * of one atomic script, N concurrent requests on any number of replicas admit exactly `limit`.
 * ARGV[2] is 0 when the request may already have been counted (a retry after a lost reply): the
 * counter is then only read, so a request is counted at most once. Other scripts (the access
 * check) start with it and go on from there.
 */
export const COUNT_IN_WINDOW_LUA = `
local count
if ARGV[2] == '1' then
  count = redis.call('INCR', KEYS[1])
else
  count = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
`;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetSeconds: number;
  windowSeconds: number;
}

export interface RateLimiter {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  /** The Redis key that counts this client. */
  keyFor(clientKey: string): string;
  /** What a counter value and its time left (ms) mean for the request. */
  decide(count: number, ttlMs: number): RateLimitDecision;
  consume(clientKey: string): Promise<RateLimitDecision>;
}

interface ScriptedRedis extends Redis {
  xwingRateLimit(key: string, windowMs: number, count: 0 | 1): Promise<[number, number]>;
}

function withScript(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  // ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT, so a restarted Redis reloads it.
  if (typeof scripted.xwingRateLimit !== 'function') {
    redis.defineCommand('xwingRateLimit', { numberOfKeys: 1, lua: `${COUNT_IN_WINDOW_LUA}return {count, ttl}` });
  }
  return scripted;
}

export function createRateLimiter(redis: Redis, run: RunRedis, name: string, limit: number, windowSeconds: number): RateLimiter {
  const scripted = withScript(redis);
  const windowMs = windowSeconds * 1000;
  const limiter: RateLimiter = {
    name,
    limit,
    windowMs,
    keyFor: (clientKey) => `rl:${name}:${clientKey}`,
    decide: (count, ttlMs) => ({
      allowed: count <= limit,
      limit,
      remaining: Math.max(0, limit - count),
      resetSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
      windowSeconds,
    }),
    async consume(clientKey) {
      const [count, ttlMs] = await run(`rate-limit.${name}`, (retry) => scripted.xwingRateLimit(limiter.keyFor(clientKey), windowMs, retry ? 0 : 1));
      return limiter.decide(count, ttlMs);
    },
  };
  return limiter;
}
