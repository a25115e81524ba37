import type { Redis } from 'ioredis';

export class CheckFailed extends Error {
  readonly causes: Record<string, string>;

  constructor(causes: Record<string, string>) {
    super(`health check failed: ${Object.keys(causes).join(', ')}`);
    this.name = 'CheckFailed';
    this.causes = causes;
  }
}

/** Liveness answers from the process alone: a Redis outage must never make the kubelet restart every pod. */
export function liveness(): Promise<{ uptimeSeconds: number }> {
  return Promise.resolve({ uptimeSeconds: Math.round(process.uptime()) });
}

export type RedisState = 'ok' | 'unreachable-within-grace' | 'unreachable';

export interface ReadinessOptions {
  redis: Redis;
  /** How long one PING may take. */
  timeoutMs: number;
  /** How long Redis may be unreachable before the pod reports itself not ready. */
  graceMs: number;
  shuttingDown: () => boolean;
  /** Called when the Redis state changes, so that an outage is logged once, not on every probe. */
  onChange?: (state: RedisState, detail: string) => void;
  now?: () => number;
}

async function ping(redis: Redis, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ready means: not shutting down, and Redis answered a PING within the last `graceMs`. Every pod
 * shares one Redis, so a readiness that failed at the first missed PING would take every pod out
 * of the Service during a failover or a restart of a few seconds, turning a short 503 (or a held
 * request) into refused connections. Past the grace the outage is real and the pod leaves. A pod
 * that has never reached Redis is not ready.
 */
export function createReadiness({ redis, timeoutMs, graceMs, shuttingDown, onChange, now = Date.now }: ReadinessOptions): () => Promise<{ redis: string }> {
  let lastOk: number | undefined;
  let state: RedisState | undefined;
  const report = (next: RedisState, detail: string) => {
    if (next !== state) onChange?.(next, detail);
    state = next;
  };
  return async () => {
    if (shuttingDown()) throw new CheckFailed({ shutdown: 'the process is shutting down' });
    try {
      await ping(redis, timeoutMs);
      lastOk = now();
      report('ok', 'redis answers');
      return { redis: 'ok' };
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      // Before the first connection there is no state to change from: the client logs its own
      // connection errors, and a probe that comes before it is ready is no outage.
      if (lastOk === undefined) throw new CheckFailed({ redis: cause });
      const downMs = now() - lastOk;
      if (downMs < graceMs) {
        const detail = `unreachable for ${downMs} ms (${cause}); still ready for ${graceMs - downMs} ms`;
        report('unreachable-within-grace', detail);
        return { redis: detail };
      }
      report('unreachable', cause);
      throw new CheckFailed({ redis: cause });
    }
  };
}
