// What happens to the fleet while k6 runs: the bounded chaos loop, and the sampler that records
// the fleet's state every 2 s in the cluster sampler's shape (samples.jsonl) for the report.
import { appendFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { sleep } from '../../harness/index.ts';
import type { Note } from '../verdict.ts';
import type { FleetConfig } from './config.ts';
import type { Fleet } from './fleet.ts';
import type { FleetRedis } from './redis.ts';

/**
 * CHAOS_ROUNDS replacements of a random slot's process, SIGTERM and SIGKILL alternating, and the
 * Redis disruption once, half-way. Ends early when k6 has ended or the deadline passed; resolves
 * with the rounds done.
 */
export async function runChaos(fleet: Fleet, redis: FleetRedis, config: FleetConfig, loadRunning: () => boolean, note: Note): Promise<number> {
  const deadline = performance.now() + config.chaosWarmupMs + config.chaosRounds * (config.chaosIntervalMs + 30_000) + 30_000;
  await sleep(config.chaosWarmupMs);
  let done = 0;
  for (let round = 1; round <= config.chaosRounds; round++) {
    if (!loadRunning() || performance.now() >= deadline) break;
    await fleet.replace(randomInt(config.apps), round % 2 === 1 ? 'SIGTERM' : 'SIGKILL');
    done = round;
    if (round === Math.ceil(config.chaosRounds / 2)) {
      await sleep(config.chaosIntervalMs);
      if (!loadRunning()) break;
      await redis.disrupt(note);
    }
    await sleep(config.chaosIntervalMs);
  }
  note('chaos-done', 'fleet', `${done} rounds`);
  return done;
}

/** desired = FLEET_APPS, current = live processes, ready = answering /readyz; while the load runs, at most an hour. */
export async function sample(fleet: Fleet, config: FleetConfig, path: string, loadRunning: () => boolean): Promise<void> {
  for (let i = 0; i < 1800 && loadRunning(); i++) {
    const record = {
      ts: Date.now(),
      replicas_desired: config.apps,
      replicas_current: fleet.live,
      pods_ready: await fleet.ready(),
      restarts: fleet.restarts,
      deletions: fleet.kills,
      cpu_percent: null,
    };
    appendFileSync(path, `${JSON.stringify(record)}\n`);
    await sleep(2000);
  }
}
