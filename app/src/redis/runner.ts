import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { isTransient, RedisUnavailableError } from './errors.ts';

/**
 * One operation against Redis. `retry` is true when an earlier attempt failed in a way that
 * leaves open whether Redis applied it (a timeout, a connection lost with the command in
 * flight): an attempt that must not count twice does its idempotent variant then.
 */
export type Attempt<T> = (retry: boolean) => Promise<T>;

/** Runs operations, failing each with a RedisUnavailableError naming it when Redis cannot answer in time. */
export type RunRedis = <T>(operation: string, attempt: Attempt<T>) => Promise<T>;

/**
 * The hold bounds the time; this bounds the work, should failures come back faster than the
 * connection can change (a pause, the switch, a reconnect and replicas re-attaching take a few).
 */
const MAX_ATTEMPTS = 8;
/** First pause before sending again on a connection that still looks ready; it doubles each time. */
const RETRY_PAUSE_MS = 25;

/**
 * A primary switch (Sentinel failover, a Redis restart) leaves a gap of about a second in which
 * the client has no writable connection. Requests that meet the gap wait for the connection to
 * come back, up to `holdMs`, and are then served by the new primary instead of failing. An
 * outage that has already lasted `holdMs` is no switch: requests then fail at once, so a Redis
 * that is really gone costs callers a fast 503, not a queue.
 */
export function createRedisRunner(redis: Redis, holdMs: number, now: () => number = Date.now): RunRedis {
  let unavailableSince: number | undefined = redis.status === 'ready' ? undefined : now();
  let ready: Promise<void> | undefined;
  let markReady: (() => void) | undefined;
  redis.on('ready', () => {
    unavailableSince = undefined;
    markReady?.();
    ready = markReady = undefined;
  });
  redis.on('close', () => {
    unavailableSince ??= now();
  });

  /** Resolves true once the connection is ready again, false at `deadline`; one shared listener for all waiters. */
  const readyBy = async (deadline: number): Promise<boolean> => {
    if (redis.status === 'ready') return true;
    ready ??= new Promise<void>((resolve) => (markReady = resolve));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - now()))));
    try {
      return await Promise.race([ready.then(() => true), expired]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** Every attempt after the first, and a first one that met no ready connection: the hold. */
  const held = async <T>(operation: string, attempt: Attempt<T>, deadline: number, firstTry: number, firstError: unknown): Promise<T> => {
    let lastError = firstError;
    for (let tries = firstTry; tries < MAX_ATTEMPTS; tries++) {
      if (tries > 0) {
        if (!isTransient(lastError) || now() >= deadline) break;
        // A connection can still read as ready while its socket is already closing ("Stream isn't
        // writeable"): without a pause the attempts would all be spent before it is replaced.
        if (redis.status === 'ready') await sleep(Math.min(RETRY_PAUSE_MS * 2 ** (tries - 1), Math.max(0, deadline - now())));
      }
      if (redis.status !== 'ready') {
        const down = unavailableSince === undefined ? 0 : now() - unavailableSince;
        if (down >= holdMs || !(await readyBy(deadline))) break;
      }
      try {
        return await attempt(tries > 0);
      } catch (error) {
        lastError = error;
      }
    }
    throw new RedisUnavailableError(operation, lastError);
  };

  // The common case, a ready connection and an answer, costs one attempt and no extra async frame:
  // this runs on every authenticated request.
  return (operation, attempt) => {
    const deadline = now() + holdMs;
    if (redis.status !== 'ready') return held(operation, attempt, deadline, 0, new Error('not connected to redis'));
    return attempt(false).catch((error: unknown) => held(operation, attempt, deadline, 1, error));
  };
}
