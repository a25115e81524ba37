import type { Redis } from 'ioredis';
import { redisCall } from '../redis.ts';

/**
 * Fixed-window counter in one atomic script: increment, arm the expiry on the first hit (or if a
 * crash left the key without one), return count and time left. Being a single server-side step,
 * N concurrent requests on any number of replicas admit exactly `limit`.
 */
const SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
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
  consume(clientKey: string): Promise<RateLimitDecision>;
}

interface ScriptedRedis extends Redis {
  xwingRateLimit(key: string, windowMs: number): Promise<[number, number]>;
}

function withScript(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  // ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT, so a restarted Redis reloads it.
  if (typeof scripted.xwingRateLimit !== 'function') redis.defineCommand('xwingRateLimit', { numberOfKeys: 1, lua: SCRIPT });
  return scripted;
}

export function createRateLimiter(redis: Redis, name: string, limit: number, windowSeconds: number): RateLimiter {
  const scripted = withScript(redis);
  const windowMs = windowSeconds * 1000;
  return {
    name,
    async consume(clientKey) {
      const [count, ttlMs] = await redisCall(`rate-limit.${name}`, scripted.xwingRateLimit(`rl:${name}:${clientKey}`, windowMs));
      return {
        allowed: count <= limit,
        limit,
        remaining: Math.max(0, limit - count),
        resetSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
        windowSeconds,
      };
    },
  };
}
