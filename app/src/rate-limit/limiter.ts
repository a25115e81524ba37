import type { RunRedis } from '../redis/runner.ts';
import type { Scripts } from '../redis/scripts.ts';

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

export function createRateLimiter(scripts: Scripts, run: RunRedis, name: string, limit: number, windowSeconds: number): RateLimiter {
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
      const [count, ttlMs] = await run(`rate-limit.${name}`, (retry) => scripts.countInWindow(limiter.keyFor(clientKey), windowMs, retry ? 0 : 1));
      return limiter.decide(count, ttlMs);
    },
  };
  return limiter;
}
