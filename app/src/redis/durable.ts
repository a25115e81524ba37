import type { Redis } from 'ioredis';
import { NotReplicatedError } from './errors.ts';
import type { RunRedis } from './runner.ts';

/** A write command with its arguments, e.g. ['set', key, value, 'EX', 60] or ['del', key]. */
export type WriteCommand = [command: string, ...args: (string | number)[]];

/**
 * Writes that must survive a failover once acknowledged: logins and logouts. Every command here
 * is idempotent, so the runner may send them again after an ambiguous failure.
 */
export type DurableWrite = (operation: string, commands: WriteCommand[]) => Promise<void>;

export interface DurableWriteOptions {
  /** Replicas that must confirm each write; 0 with a standalone Redis, which has none. */
  replicas: number;
  timeoutMs: number;
}

async function exec(client: Redis, commands: WriteCommand[]): Promise<unknown[]> {
  const results = (await client.pipeline(commands).exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/**
 * Replication is asynchronous: a write the primary acknowledged can vanish with it in a failover,
 * and a logout that vanishes brings a session back. With replicas to wait for, the write and a
 * `WAIT` travel on `client`, a connection of their own, because WAIT blocks the connection it
 * runs on and only counts that connection's writes; request traffic on the shared connection
 * never queues behind it. A write no replica confirmed in time fails with NotReplicatedError.
 */
export function createDurableWrite(client: Redis, run: RunRedis, { replicas, timeoutMs }: DurableWriteOptions): DurableWrite {
  return (operation, commands) =>
    run(operation, async () => {
      if (replicas === 0) {
        await exec(client, commands);
        return;
      }
      const results = await exec(client, [...commands, ['wait', replicas, timeoutMs]]);
      const acknowledged = Number(results.at(-1));
      if (acknowledged < replicas) throw new NotReplicatedError(replicas, acknowledged, timeoutMs);
    });
}
