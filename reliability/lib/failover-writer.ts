// Failover time as a writer sees it: a loop that INCRs one counter on whichever node a majority
// of the Sentinels names as primary, recording which node acknowledged each write and when. The
// failover time is the last acknowledged write on the old primary to the first on the new one,
// measured on Redis itself rather than read off the app's latencies (which the hold blurs).
import { askSentinels, repeat, type Repeating, type ReplicatedRedis } from '../../harness/index.ts';
import { command } from '../../harness/resp.ts';

export interface Write {
  /** When the write was sent, and when it was acknowledged or failed, in ms on the run's clock. */
  sent: number;
  at: number;
  /** The node the Sentinels named; undefined when no majority named one. */
  node: string | undefined;
  ok: boolean;
  /** The counter's value after this write. */
  value?: number;
  error?: string;
}

const KEY = 'reliability:failover-writer';
const TIMEOUT_MS = 200;

/** One write every 20 ms for at most 2 min; stop() resolves with every write. */
export function startFailoverWriter(redis: ReplicatedRedis, clock: () => number): Repeating<Write> {
  return repeat(
    async (): Promise<Write> => {
      const sent = clock();
      const named = await askSentinels(redis.sentinels, redis.masterName, redis.password, TIMEOUT_MS);
      const node = redis.nodes.find((n) => `${n.host}:${n.port}` === named);
      if (!node) return { sent, at: clock(), node: undefined, ok: false, error: `the Sentinels name ${named ?? 'no primary'}` };
      try {
        const value = Number(await command({ host: node.host, port: node.port, password: node.password }, ['INCR', KEY], TIMEOUT_MS));
        return { sent, at: clock(), node: node.name, ok: true, value };
      } catch (error) {
        return { sent, at: clock(), node: node.name, ok: false, error: (error as Error).message };
      }
    },
    { everyMs: 20, maxMs: 120_000 },
  );
}

export interface Switch {
  /** Last acknowledged write on the old primary to the first on another node. */
  ms: number;
  lastOld: Write;
  firstNew: Write;
  /** Acknowledged increments the new primary does not have (the counter went back). */
  lostWrites: number;
  /**
   * Writes the old primary acknowledged after another node was named: a writer that asked the
   * Sentinels just before the switch, and whose write a hung primary ran once resumed. The node
   * is demoted and resynced, so these are lost by design; they are not the switch.
   */
  deposedAcks: number;
}

/**
 * The switch away from `oldPrimary`, named primary at `tNamed`, as the writes show it; undefined
 * when no write landed on another node.
 */
export function writerSwitch(writes: readonly Write[], oldPrimary: string, tNamed: number): Switch | undefined {
  const acknowledged = writes.filter((w) => w.ok);
  const firstNew = acknowledged.find((w) => w.node !== oldPrimary);
  const lastOld = acknowledged.findLast((w) => w.node === oldPrimary && w.at <= tNamed);
  if (!firstNew || !lastOld) return undefined;
  return {
    ms: firstNew.at - lastOld.at,
    lastOld,
    firstNew,
    lostWrites: Math.max(0, (lastOld.value ?? 0) + 1 - (firstNew.value ?? 0)),
    deposedAcks: acknowledged.filter((w) => w.node === oldPrimary && w.at > tNamed).length,
  };
}

/** The longest stretch between two acknowledged writes (for faults that keep the primary). */
export function longestWriteGap(writes: readonly Write[]): number {
  const acknowledged = writes.filter((w) => w.ok).map((w) => w.at);
  let gap = 0;
  for (let i = 1; i < acknowledged.length; i++) gap = Math.max(gap, (acknowledged[i] ?? 0) - (acknowledged[i - 1] ?? 0));
  return gap;
}
