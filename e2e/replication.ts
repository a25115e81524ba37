// The replication flow's steps (redis.architecture=replication: Redis pods with a Sentinel each), in
// a namespace of their own: install and helm test, live assertions on the topology, then, once the
// standalone flow is done, the primary's pod deleted under load, once gracefully (its preStop hands
// the primary over) and once with --grace-period=0 --force. Each fault writes failover-<name>.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repeat, sleep, waitFor } from '../harness/index.ts';
import { client, clientHolds, startClientPod } from './client-pod.ts';
import { brokenPromises, type FailoverRow } from './failover-report.ts';
import type { Flow } from './flow.ts';
import type { Settings } from './settings.ts';
import { install } from './standalone.ts';

// The load's one client address would meet the per-client API and password limits at the fault's
// rate (each fault logs 20 users in, and a tenth of the load is whole login/logout cycles).
const VALUES = ['redis.architecture=replication', 'config.RATE_LIMIT_MAX=1000000', 'config.PASSWORD_RATE_LIMIT_MAX=1000000', 'config.LOGIN_RATE_LIMIT_MAX=1000'];
// Load before the deletion, and after everything has recovered, so both ends of the gap are seen.
const BEFORE_S = 5;
const AFTER_S = 3;
const FAULT_MAX_S = 400;

async function assertions(flow: Flow, s: Settings): Promise<void> {
  const { release } = flow;
  type Set = { spec: { replicas: number }; status: { readyReplicas?: number } };
  const podsReady = async () => {
    const [set] = await release.list<Set>('statefulset', release.redisSelector);
    if (set === undefined || set.status.readyReplicas !== set.spec.replicas) return false;
    flow.log(`Redis pods Ready: ${set.status.readyReplicas} of ${set.spec.replicas}`);
    return true;
  };
  await flow.poll('every Redis pod Ready', podsReady, 180, 'pods -o wide');
  await flow.apiReady();
  await startClientPod(flow, s.image);
  await clientHolds(flow, 'the Redis topology settled', ['topology'], 120);
  const { primaries, named } = JSON.parse(await client(flow, ['topology'])) as { primaries: string[]; named: unknown };
  flow.log(`one primary, named by every Sentinel, replicas in sync: ${JSON.stringify({ primaries, named })}`);
  await flow.pdbAllows(release.redisSelector, 1);
  await flow.endpointsMatch();
}

/**
 * Deletes the primary's pod under load once the topology has settled, waits until the pod is back and
 * everything has settled again, and checks what the suite promises: the Service always had a ready
 * endpoint, no session was lost, no logout undone, and the deleted pod rejoined as a replica (or,
 * when the Sentinels never moved, is still the one primary).
 */
async function fault(flow: Flow, s: Settings, name: string, deleteFlags: readonly string[]): Promise<void> {
  const settled = () => clientHolds(flow, 'the Redis topology settled', ['topology'], 180);
  await settled();
  const victim = (JSON.parse(await client(flow, ['topology'])) as { primaries: string[] }).primaries[0];
  if (victim === undefined) throw new Error('no primary');
  const uid = (await flow.pods(flow.release.redisSelector)).find((pod) => pod.metadata.name === victim)?.metadata.uid;
  await client(flow, ['unstop', name]);
  let said = '';
  const measured = client(flow, ['fault', name, victim, s.faultRps, FAULT_MAX_S], FAULT_MAX_S + 60, (text) => (said += text));
  measured.catch(() => undefined);
  await waitFor('the fault load running', () => said.includes('load running'), { timeoutMs: 120_000, intervalMs: 500 });
  // Every ~0.5 s how many ready endpoints the API Service has; null when the API server did not answer.
  const service = await flow.release.deployment();
  const endpoints = repeat(() => flow.readyEndpoints(service).then((ready) => ready.length, () => null), { everyMs: 500, maxMs: FAULT_MAX_S * 1000 });
  await sleep(BEFORE_S * 1000);
  const deletedAt = Date.now();
  flow.log(`${name}: deleting the primary's pod ${victim} (${deleteFlags.join(' ') || 'graceful'}) under ${s.faultRps} req/s`);
  await flow.kubectl(['delete', 'pod', victim, '--wait=false', ...deleteFlags]);
  await flow.podBack(victim, uid);
  await settled();
  const settledMs = Date.now() - deletedAt;
  flow.log(`${name}: ${victim} is back and the topology has settled after ${settledMs} ms`);
  await sleep(AFTER_S * 1000);
  await client(flow, ['stop', name, deletedAt]);
  type Measured = Omit<FailoverRow, 'delete' | 'settledMs' | 'victimStartRole' | 'endpoints'>;
  const result = JSON.parse(await measured.catch((error: unknown) => Promise.reject(new Error(`${(error as Error).message}\n${said}`)))) as Measured;
  const ready = (await endpoints.stop()).filter((n) => n !== null);
  const logs = await flow.kubectl(['logs', victim, '-c', 'redis']);
  const row: FailoverRow = {
    ...result,
    delete: deleteFlags.join(' '),
    settledMs,
    victimStartRole: /^.* role: (.*)$/m.exec(logs)?.[1] ?? '',
    endpoints: { samples: ready.length, minReady: ready.length === 0 ? null : Math.min(...ready), zeroSamples: ready.filter((n) => n === 0).length },
  };
  writeFileSync(join(s.out, `failover-${name}.json`), JSON.stringify(row, null, 2));
  const { failover, load, sessions } = row;
  flow.log(`${name}: ${JSON.stringify({ newPrimary: failover.newPrimary, sentinelsAllMs: failover.sentinelsAllMs, writeGapMs: load.writeGap.ms,
    failed: load.failed, requests: load.requests, p99Ms: load.p99Ms, sessions, endpoints: row.endpoints, victimStartRole: row.victimStartRole })}`);
  const broken = brokenPromises(row);
  for (const promise of broken) flow.log(`BROKEN: ${promise}`);
  if (broken.length > 0) throw new Error(`${name}: ${broken.length} promises broken`);
  flow.log('kept: a ready API endpoint throughout, no session lost, no logout undone, the deleted pod rejoined');
}

export async function replicationFlow(flow: Flow, s: Settings, standaloneDone: Promise<void>): Promise<void> {
  await flow.step('rep-install', () => install(flow, s, VALUES.flatMap((value) => ['--set', value])));
  await flow.step('rep-assertions', () => assertions(flow, s));
  // The two flows' faults never overlap, so neither measures the other's disruption.
  await standaloneDone;
  await flow.step('rep-primary-delete', () => fault(flow, s, 'graceful', []));
  await flow.step('rep-primary-force-delete', () => fault(flow, s, 'force', ['--grace-period=0', '--force']));
}
