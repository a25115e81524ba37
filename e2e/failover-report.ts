// One Redis failover fault of the replication flow, as the suite judges and reports it: what the
// in-cluster client measured (fault.ts), plus what the orchestrator saw from outside.
import type { runFault } from './fault.ts';

export type FailoverRow = Awaited<ReturnType<typeof runFault>> & {
  name: string;
  /** The extra `kubectl delete pod` flags ('' for a graceful deletion). */
  delete: string;
  settledMs: number;
  /** What the restarted pod's start script decided: "primary" or "replica of <host>:<port>". */
  victimStartRole: string;
  endpoints: { samples: number; minReady: number | null; zeroSamples: number };
};

/** Each promise of the suite that the fault broke, in words; none when it kept them all. */
export function brokenPromises(row: FailoverRow): string[] {
  const { endpoints, load, sessions, failover } = row;
  const moved = failover.newPrimary !== null;
  const broken: [boolean, string][] = [
    [endpoints.samples === 0, 'no EndpointSlice sample'],
    [endpoints.minReady !== null && endpoints.minReady < 1, `the API Service had no ready endpoint in ${endpoints.zeroSamples} samples`],
    [load.sessionsLost > 0, `${load.sessionsLost} requests met a lost session`],
    [sessions.lost + sessions.liveUnchecked > 0, `${sessions.lost} sessions lost, ${sessions.liveUnchecked} unchecked`],
    [sessions.undone + sessions.outUnchecked > 0, `${sessions.undone} logouts undone, ${sessions.outUnchecked} unchecked`],
    [moved && failover.sentinelsNamedVictimAgain, 'the Sentinels named the deleted primary again'],
    [moved && !row.victimStartRole.startsWith('replica'), `the deleted primary came back as ${row.victimStartRole}, not as a replica`],
    [!moved && row.victimStartRole !== 'primary', `no failover, yet the deleted primary came back as ${row.victimStartRole}`],
    [row.name === 'graceful' && !moved, 'the graceful deletion did not hand the primary over'],
  ];
  return broken.filter(([holds]) => holds).map(([, what]) => what);
}

const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${Math.round(ms / 10) / 100} s`);

/** The Markdown table of the failover faults, for summary.md. */
export function failoverTable(rows: readonly FailoverRow[]): string {
  const head = [
    '| fault | primary: deleted → new | Sentinels name it after | write gap | failed / requests | p99 | max | sessions lost |'
      + ' logouts undone | min ready API endpoints | deleted pod back as | primary no Sentinel named |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  const line = (r: FailoverRow) => {
    const unnamed = r.failover.unnamedPrimary;
    return [
      `\`kubectl delete pod\` ${r.delete === '' ? '(graceful)' : `\`${r.delete}\``}`,
      `${r.victim} → ${r.failover.newPrimary ?? '(none: it came back first)'}`,
      seconds(r.failover.sentinelsAllMs),
      seconds(r.load.writeGap.ms),
      `${r.load.failed} / ${r.load.requests}`,
      `${r.load.p99Ms} ms`,
      `${r.load.maxMs} ms`,
      r.sessions.lost + r.load.sessionsLost,
      r.sessions.undone,
      r.endpoints.minReady,
      r.victimStartRole.replace(/\..*/, ''),
      unnamed === null ? 'none' : `${unnamed.pod}, ${seconds(unnamed.fromMs)} to ${seconds(unnamed.toMs)}`,
    ].join(' | ');
  };
  return [...head, ...rows.map((r) => `| ${line(r)} |`)].join('\n');
}
