// One Redis fault under load, seen from a client inside the cluster. Before the fault: users log
// in, half of them log out again. During it: an open-model load through the API Service (session
// checks of the logged-in users and whole login/logout cycles), and a view of the Sentinels and
// nodes every 250 ms. The caller deletes the pod and, once everything has recovered, writes the
// deletion time into the stop file. After it: every session from before must still be valid,
// every logout (from before, and the load's) must still hold. All times are epoch ms.
import { existsSync, readFileSync } from 'node:fs';
import { ApiClient, type User } from '../harness/client.ts';
import { LoadGenerator, type RequestRecord } from '../harness/load.ts';
import { repeat } from '../harness/repeat.ts';
import { waitFor } from '../harness/wait.ts';
import { masters, view, type Topology, type View } from './redis-view.ts';

export interface FaultOptions {
  baseUrl: string;
  topology: Topology;
  /** The primary's pod, about to be deleted. */
  victim: string;
  rate: number;
  maxSeconds: number;
  stopFile: string;
}

const SAMPLE_MS = 250;

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null;
}

const since = (t: number | undefined, origin: number): number | null => (t === undefined ? null : t - origin);

/**
 * What the Sentinels and nodes did after `deletedAt`: when the first and then every answering
 * Sentinel named a primary other than the victim; whether any went back to the victim, that is
 * named it again after naming another primary itself, or at all once every answering Sentinel
 * had agreed on another (a Sentinel that has not yet heard of the switch, which can take a
 * Sentinel a second or two on a busy node, still names the victim and has not gone back); when
 * the victim answered again after being gone, and its last role. And how many nodes called
 * themselves primary at once, and from when to when a node other than the victim was primary
 * while no Sentinel named it: a promotion takes about a second to be announced, while a replica
 * promoted by a Sentinel that died before announcing it stays an unnamed primary until the other
 * Sentinels demote it.
 */
export function failover(views: readonly View[], victim: string, deletedAt: number) {
  const after = views.filter((v) => v.at >= deletedAt);
  const answers = (v: View) => Object.values(v.named).filter((pod): pod is string => pod !== null);
  const first = after.find((v) => answers(v).some((pod) => pod !== victim));
  const all = after.find((v) => {
    const a = answers(v);
    return a.length >= 2 && a.every((pod) => pod !== victim && pod === a[0]);
  });
  const switched = new Set<string>();
  let flipBack = false;
  for (const v of after) {
    for (const [sentinel, pod] of Object.entries(v.named)) {
      if (pod === null) continue;
      if (pod !== victim) switched.add(sentinel);
      else if (switched.has(sentinel) || (all !== undefined && v.at > all.at)) flipBack = true;
    }
  }
  const gone = after.find((v) => v.nodes[victim] === null);
  const back = gone && after.find((v) => v.at > gone.at && v.nodes[victim] !== null);
  const last = after[after.length - 1];
  const unnamed = (v: View) => masters(v).find((pod) => pod !== victim && !answers(v).includes(pod));
  const unnamedViews = after.filter((v) => unnamed(v) !== undefined);
  const firstUnnamed = unnamedViews[0];
  const lastUnnamed = unnamedViews[unnamedViews.length - 1];
  return {
    samples: after.length,
    newPrimary: all ? (answers(all)[0] ?? null) : null,
    sentinelsFirstMs: since(first?.at, deletedAt),
    sentinelsAllMs: since(all?.at, deletedAt),
    sentinelsNamedVictimAgain: flipBack,
    victimGoneMs: since(gone?.at, deletedAt),
    victimBackMs: since(back?.at, deletedAt),
    victimRoleAtEnd: last?.nodes[victim]?.role ?? null,
    mostPrimariesAtOnce: Math.max(0, ...after.map((v) => masters(v).length)),
    unnamedPrimary: firstUnnamed && lastUnnamed
      ? { pod: unnamed(firstUnnamed), fromMs: firstUnnamed.at - deletedAt, toMs: lastUnnamed.at - deletedAt }
      : null,
  };
}

/**
 * The load's numbers: requests (a cycle is a login and its logout), failed ones by cause, lost
 * sessions, latency of the successful ones, and the longest gap between two successful writes
 * (every authenticated request counts against the rate limit on the primary, so each is a write).
 */
export function loadNumbers(records: readonly RequestRecord[], deletedAt: number) {
  const failed = records.filter((r) => !r.ok);
  const causes: Record<string, number> = {};
  for (const r of failed) {
    const key = r.status === 0 ? (r.error ?? 'no response') : `HTTP ${r.status}`;
    causes[key] = (causes[key] ?? 0) + 1;
  }
  const durations = records.filter((r) => r.ok).map((r) => r.end - r.start).sort((a, b) => a - b);
  const writes = records.filter((r) => r.ok).map((r) => r.end).sort((a, b) => a - b);
  let gap = { ms: 0, fromMs: null as number | null, toMs: null as number | null };
  for (let i = 1; i < writes.length; i++) {
    const from = writes[i - 1] ?? 0;
    const to = writes[i] ?? 0;
    if (to - from > gap.ms) gap = { ms: to - from, fromMs: from - deletedAt, toMs: to - deletedAt };
  }
  return {
    requests: records.length,
    failed: failed.length,
    failedRate: records.length === 0 ? 0 : failed.length / records.length,
    causes,
    firstFailedMs: since(failed[0]?.start, deletedAt),
    lastFailedMs: since(failed[failed.length - 1]?.start, deletedAt),
    sessionsLost: records.filter((r) => r.sessionLost).length,
    p50Ms: percentile(durations, 0.5),
    p99Ms: percentile(durations, 0.99),
    maxMs: durations[durations.length - 1] ?? null,
    writeGap: gap,
    servedBy: [...new Set(records.map((r) => r.servedBy).filter((s) => s !== undefined))],
  };
}

/** Logs `users` in, then logs every second one out again: the sessions and logouts from before the fault. */
async function sessionsBefore(api: ApiClient, count: number): Promise<{ live: User[]; out: User[] }> {
  const users = await api.createUsers(`e2e${Date.now().toString(36)}`, count, `${crypto.randomUUID()}-Aa1!`);
  const out = users.filter((_, i) => i % 2 === 1);
  for (const user of out) {
    const status = await api.logout(user.token);
    if (status !== 204) throw new Error(`logout of ${user.username} before the fault answered ${status}`);
  }
  return { live: users.filter((_, i) => i % 2 === 0), out };
}

/** Checks that no session from before is lost and no logout is undone, retrying answers that are neither 200 nor 401. */
async function sessionsAfter(api: ApiClient, live: readonly User[], loggedOut: readonly Pick<User, 'username' | 'token'>[]) {
  const stillLive = await api.verifySessions(live);
  const stillOut = await api.verifySessions(loggedOut);
  const gone = new Set([...stillOut.lost, ...stillOut.unchecked]);
  return {
    live: live.length,
    lost: stillLive.lost.length,
    liveUnchecked: stillLive.unchecked.length,
    loggedOut: loggedOut.length,
    undone: loggedOut.filter((u) => !gone.has(u.username)).length,
    outUnchecked: stillOut.unchecked.length,
  };
}

export async function runFault(options: FaultOptions) {
  const api = new ApiClient(options.baseUrl, { keepAlive: false, timeoutMs: 10_000 });
  const { live, out } = await sessionsBefore(api, 20);
  const load = new LoadGenerator({
    backends: [{ name: 'service', url: options.baseUrl }],
    users: live,
    rate: options.rate,
    mix: [['session', 9], ['cycle', 1]],
    keepAlive: false,
    clock: Date.now,
    maxDurationMs: options.maxSeconds * 1000,
  });
  const sampler = repeat(() => view(options.topology), { everyMs: SAMPLE_MS, maxMs: options.maxSeconds * 1000 });
  load.start();
  process.stderr.write('load running\n');
  await waitFor(`stop file ${options.stopFile}`, () => existsSync(options.stopFile), { timeoutMs: options.maxSeconds * 1000, intervalMs: 200 }).finally(() => {
    void sampler.stop();
  });
  const deletedAt = Number(readFileSync(options.stopFile, 'utf8').trim());
  const [records, views] = await Promise.all([load.stop(), sampler.stop()]);
  // A cycle that ended in 204 logged its fresh session out during the fault: it must stay out too.
  const cycledOut = records.filter((r) => r.op === 'cycle' && r.status === 204 && r.token !== undefined).map((r) => ({ username: `cycle-${r.seq}`, token: r.token ?? '' }));
  const sessions = await sessionsAfter(api, live, [...out, ...cycledOut]);
  api.close();
  return {
    victim: options.victim,
    deletedAt,
    rate: options.rate,
    failover: failover(views, options.victim, deletedAt),
    load: loadNumbers(records, deletedAt),
    sessions,
  };
}
