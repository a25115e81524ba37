// A client like the app's in Sentinel mode that INCRs one key until stopped: what it counted as
// acknowledged must equal the key's final value, or a failover lost (or doubled) writes. Bounded:
// it stops after `maxMs` even if nobody calls stop().
import { Redis } from 'ioredis';
import type { ReplicatedRedis } from './redis.ts';
import { sleep } from './wait.ts';

export interface WriterCounts {
  acked: number;
  failed: number;
  errors: Set<string>;
  /** The longest time between two acknowledged writes: how long writes stalled. */
  longestGapMs: number;
}

export interface SentinelWriter {
  readonly counts: WriterCounts;
  stop(): Promise<WriterCounts>;
}

export function startWriter(redis: ReplicatedRedis, key: string, { maxMs = 60_000 } = {}): SentinelWriter {
  const client = new Redis({
    sentinels: redis.sentinels.map(({ host, port }) => ({ host, port })),
    name: redis.masterName,
    ...(redis.password ? { password: redis.password, sentinelPassword: redis.password } : {}),
    maxRetriesPerRequest: null,
    commandTimeout: 10_000,
  });
  client.on('error', () => undefined);
  const counts: WriterCounts = { acked: 0, failed: 0, errors: new Set<string>(), longestGapMs: 0 };
  const state = { running: true };
  const deadline = performance.now() + maxMs;
  const done = (async () => {
    let lastAck = performance.now();
    while (state.running && performance.now() < deadline) {
      try {
        await client.incr(key);
        counts.acked++;
        const now = performance.now();
        counts.longestGapMs = Math.max(counts.longestGapMs, now - lastAck);
        lastAck = now;
      } catch (error) {
        counts.failed++;
        counts.errors.add((error as Error).message);
        await sleep(20);
      }
    }
  })();
  return {
    counts,
    async stop() {
      state.running = false;
      await done;
      client.disconnect();
      return counts;
    },
  };
}
