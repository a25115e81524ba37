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

/**
 * Ready means: not shutting down, and Redis answers a PING within `timeoutMs`. A pod that cannot
 * reach Redis can serve nothing but 503s, so it should not receive traffic.
 */
export async function readiness(redis: Redis, timeoutMs: number, shuttingDown: () => boolean): Promise<{ redis: string }> {
  if (shuttingDown()) throw new CheckFailed({ shutdown: 'the process is shutting down' });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
    return { redis: 'ok' };
  } catch (error) {
    throw new CheckFailed({ redis: error instanceof Error ? error.message : String(error) });
  } finally {
    clearTimeout(timer);
  }
}
