import { describe, expect, it } from 'vitest';
import { brokenPromises, failoverTable, type FailoverRow } from './failover-report.ts';

/** A forced deletion that kept every promise: xw-redis-0 deleted, xw-redis-1 named after 1.86 s. */
function row(): FailoverRow {
  return {
    name: 'force',
    victim: 'xw-redis-0',
    deletedAt: 1000,
    rate: 20,
    delete: '--grace-period=0 --force',
    settledMs: 9000,
    victimStartRole: 'replica of xw-redis-1.xw-redis-headless.ns.svc.cluster.local:6379',
    endpoints: { samples: 30, minReady: 2, zeroSamples: 0 },
    failover: {
      samples: 40, newPrimary: 'xw-redis-1', sentinelsFirstMs: 1500, sentinelsAllMs: 1860, sentinelsNamedVictimAgain: false,
      victimGoneMs: 100, victimBackMs: 6000, victimRoleAtEnd: 'slave', mostPrimariesAtOnce: 1, unnamedPrimary: null,
    },
    load: {
      requests: 317, failed: 0, failedRate: 0, causes: {}, firstFailedMs: null, lastFailedMs: null, sessionsLost: 0,
      p50Ms: 20, p99Ms: 1726, maxMs: 1800, writeGap: { ms: 1810, fromMs: 0, toMs: 1810 }, servedBy: ['api-a', 'api-b'],
    },
    sessions: { live: 10, lost: 0, liveUnchecked: 0, loggedOut: 12, undone: 0, outUnchecked: 0 },
  };
}

describe('the promises of a Redis failover fault', () => {
  it('finds none broken when every one is kept, and reports the row', () => {
    expect(brokenPromises(row())).toEqual([]);
    const table = failoverTable([row()]).split('\n');
    expect(table).toHaveLength(3);
    expect(table[2]).toBe('| `kubectl delete pod` `--grace-period=0 --force` | xw-redis-0 → xw-redis-1 | 1.86 s | 1.81 s | 0 / 317 | 1726 ms'
      + ' | 1800 ms | 0 | 0 | 2 | replica of xw-redis-1 | none |');
  });

  it.each<[string, (r: FailoverRow) => void, string]>([
    ['an empty Service', (r) => (r.endpoints = { samples: 30, minReady: 0, zeroSamples: 3 }), 'the API Service had no ready endpoint in 3 samples'],
    ['no sample', (r) => (r.endpoints = { samples: 0, minReady: null, zeroSamples: 0 }), 'no EndpointSlice sample'],
    ['a lost session under load', (r) => (r.load.sessionsLost = 2), '2 requests met a lost session'],
    ['a session lost', (r) => (r.sessions.lost = 1), '1 sessions lost, 0 unchecked'],
    ['a logout undone', (r) => (r.sessions.undone = 1), '1 logouts undone, 0 unchecked'],
    ['a Sentinel going back', (r) => (r.failover.sentinelsNamedVictimAgain = true), 'the Sentinels named the deleted primary again'],
    ['a second primary', (r) => (r.victimStartRole = 'primary'), 'the deleted primary came back as primary, not as a replica'],
    ['no failover, then a replica', (r) => (r.failover.newPrimary = null), 'no failover, yet the deleted primary came back as replica of'],
    ['a graceful deletion without handover', (r) => Object.assign(r, { name: 'graceful', victimStartRole: 'primary' }, { failover: { ...r.failover, newPrimary: null } }),
      'the graceful deletion did not hand the primary over'],
  ])('names %s', (_, breakIt, broken) => {
    const r = row();
    breakIt(r);
    expect(brokenPromises(r)).toEqual([expect.stringContaining(broken)]);
  });
});
