// The cluster churn plan, bounded in rounds and time, ending early when k6 ends. Every interval one
// random API pod is deleted; at ROLLOUT_ROUND one `kubectl rollout restart` of the API Deployment; at
// REDIS_ROUND one Redis pod: the Redis pod (standalone: its StatefulSet brings it back on the same
// volume with the append-only file), or with replication the primary's pod, as the Sentinels name it
// (its preStop hands the primary over). Each action is an event, and with replication also the
// moment the Sentinels name the new primary (redis-failover).
import { podReady, sleep, waitFor, type Release } from '../../harness/index.ts';
import type { Note } from '../verdict.ts';
import type { ClusterConfig } from './config.ts';

/** Redis pods other than `pod` that run and are not being deleted. */
async function otherRedisPods(release: Release, pod: string | undefined): Promise<string[]> {
  return (await release.runningPods(release.redisSelector)).filter((name) => name !== pod);
}

/** Polls a Sentinel that outlives the deletion until it names a primary other than `old`, and marks that moment. */
async function markFailover(release: Release, old: string, deletedAt: number, note: Note): Promise<void> {
  const witness = (await otherRedisPods(release, old))[0];
  if (witness === undefined) throw new Error('no other Redis pod to ask who the primary is');
  let primary: string | undefined;
  await waitFor(
    `the Sentinels to name a primary other than ${old}`,
    async () => {
      primary = await release.sentinelPrimary(witness);
      return primary !== undefined && primary !== old;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  note('redis-failover', primary ?? '', `named by the Sentinels ${Date.now() - deletedAt} ms after ${old} was deleted`);
}

async function deleteRedisPod(release: Release, note: Note): Promise<void> {
  let pod: string | undefined;
  if (await release.replicated()) {
    const asked = (await otherRedisPods(release, undefined))[0];
    pod = asked === undefined ? undefined : await release.sentinelPrimary(asked);
    if (pod === undefined) throw new Error(`no Sentinel in the pods labelled ${release.redisSelector} names a primary`);
    const deletedAt = Date.now();
    note('redis-delete', pod, 'primary');
    await release.kubectl(['delete', 'pod', pod, '--wait=false']);
    await markFailover(release, pod, deletedAt, note);
  } else {
    pod = (await release.list('pods', release.redisSelector))[0]?.metadata.name;
    if (pod === undefined) throw new Error(`no Redis pod labelled ${release.redisSelector}`);
    note('redis-delete', pod);
    await release.kubectl(['delete', 'pod', pod, '--wait=false']);
  }
  // The same name comes back (StatefulSet): wait for a Ready pod of that name that is not the one being deleted.
  const name = pod;
  await sleep(2000);
  await waitFor(
    `Redis pod ${name} Ready again`,
    async () => {
      const pods = await release.list('pods', release.redisSelector).catch(() => []);
      const again = pods.find((p) => p.metadata.name === name);
      return again !== undefined && podReady(again);
    },
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
  note('redis-ready', name);
}

/** Runs the plan; resolves with the rounds done. A step that fails ends the plan with its error. */
export async function runChaos(release: Release, config: ClusterConfig, loadRunning: () => boolean, note: Note): Promise<number> {
  const deadline = performance.now() + config.chaosWarmupMs + config.chaosRounds * (config.chaosIntervalMs + 200_000);
  await sleep(config.chaosWarmupMs);
  let done = 0;
  for (let round = 1; round <= config.chaosRounds; round++) {
    if (!loadRunning() || performance.now() >= deadline) break;
    if (round === config.rolloutRound) {
      const deployment = await release.deployment();
      note('rollout-restart', deployment);
      await release.rolloutRestart(180);
      note('rollout-done', deployment);
    } else if (round === config.redisRound) {
      await deleteRedisPod(release, note);
    } else {
      const deleted = await release.deleteRandomPod(release.apiSelector);
      if (deleted) note('pod-delete', deleted.pod, `of ${deleted.running} running`);
      else process.stderr.write('no running API pod to delete\n');
    }
    done = round;
    await sleep(config.chaosIntervalMs);
  }
  note('chaos-done', 'cluster', `${done} rounds`);
  return done;
}
