// The verdict and the Markdown summary (summary.md, the end of a run's console output), with the
// sentences the HTML page shares: how the HPA moved, how fast its new pods became Ready.
import { fmt } from './format.ts';
import type { Digest, Gauge, Run, Verdict } from './types.ts';

export function verdictOf(run: Run): Verdict {
  const rows = run.digest?.thresholds ?? [];
  const p95 = rows.map((r) => /^p\(95\)<(\d+(\.\d+)?)$/.exec(r.threshold)).find(Boolean);
  return {
    rows,
    passed: rows.length > 0 && rows.every((r) => r.ok),
    p95Limit: p95 ? Number(p95[1]) : null,
  };
}

// Over the load only: a cluster sampler also sees the setup() stretch before it.
function peakSample(run: Run, key: Gauge): number | null {
  const values = run.samples.filter((s) => s.t >= 0).flatMap((s) => {
    const v = s[key];
    return typeof v === 'number' ? [v] : [];
  });
  return values.length ? Math.max(...values) : null;
}

interface Scaling {
  start: number;
  firstUpS: number | null;
  peak: number | null;
  peakS: number | null;
  end: number | null | undefined;
}

// For cluster runs: how the HPA moved, from the sampler (desired replicas and ready pods).
export function scaling(run: Run): Scaling | null {
  const withHpa = run.samples.flatMap((x) => (typeof x.replicas_desired === 'number' ? [{ t: x.t, desired: x.replicas_desired }] : []));
  const atStart = withHpa.filter((x) => x.t <= 0).at(-1) ?? withHpa[0];
  if (run.kind !== 'cluster' || !atStart) return null;
  const start = atStart.desired;
  const firstUp = withHpa.find((x) => x.t > 0 && x.desired > start);
  const peak = peakSample(run, 'pods_ready');
  const atPeak = run.samples.find((x) => x.t >= 0 && x.pods_ready === peak);
  return { start, firstUpS: firstUp ? firstUp.t : null, peak, peakS: atPeak ? atPeak.t : null, end: run.samples.at(-1)?.pods_ready };
}

// Pods that became Ready after the load started, each timed from the HPA scale decision that created
// it: the last one at most 2 s before its creation (the Deployment and ReplicaSet controllers act in
// well under that); a pod with none (a replacement for a deleted one) is timed from its creation.
// API timestamps have 1 s resolution, so each figure is ±1 s.
function podsAdded(run: Run): { count: number; median: number; max: number } | null {
  const loadStartMs = run.t0;
  const decisions = [...new Set(run.samples.flatMap((x) => (typeof x.hpa_last_scale_ms === 'number' ? [x.hpa_last_scale_ms] : [])))].sort((a, b) => a - b);
  const seconds = run.samples
    .flatMap((x) => x.became_ready ?? [])
    .flatMap((p) => (p.created_ms >= loadStartMs - 1000 && typeof p.ready_ms === 'number' ? [{ created: p.created_ms, ready: p.ready_ms }] : []))
    .map(({ created, ready }) => {
      const decided = decisions.filter((d) => d <= created && created - d <= 2000).pop() ?? created;
      return (ready - decided) / 1000;
    })
    .sort((a, b) => a - b);
  const max = seconds.at(-1);
  if (max === undefined) return null;
  const mid = Math.floor(seconds.length / 2);
  const upper = seconds[mid] ?? max;
  const median = seconds.length % 2 ? upper : ((seconds[mid - 1] ?? upper) + upper) / 2;
  return { count: seconds.length, median, max };
}

function podsAddedLine(added: ReturnType<typeof podsAdded>): string | null {
  if (!added) return null;
  return `New pods: ${added.count} became Ready during the load, ${fmt(added.median, 1)} s (median; max ${fmt(added.max, 1)} s) from the HPA's scale decision (a replacement pod: its creation) to Ready (API timestamps, ±1 s).`;
}

export function scalingLine(sc: Scaling | null): string | null {
  if (!sc) return null;
  return `HPA: ${sc.start} replicas at load start, first scale-up decided at ${sc.firstUpS === null ? '(never)' : `${fmt(sc.firstUpS)} s`}, ` +
    `peak ${fmt(sc.peak)} ready pods at ${fmt(sc.peakS)} s, ${fmt(sc.end)} ready at the end.`;
}

// With replication the deleted Redis pod is the primary's: when did the Sentinels name another one?
function failoverLines(run: Run): string[] {
  return run.events
    .filter((e) => e.kind === 'redis-failover')
    .map((f) => {
      const deleted = run.events.filter((e) => e.kind === 'redis-delete' && e.t <= f.t).pop();
      const after = deleted ? ` ${fmt(f.t - deleted.t, 1)} s after the primary ${deleted.target} was deleted (at ${fmt(deleted.t, 1)} s)` : '';
      return `Redis failover: the Sentinels named ${f.target} the primary${after}.`;
    });
}

/** "HTTP 503 × 12, network error × 3" */
export function failedCauses(run: Run): string {
  return run.failedByStatus.map(([k, n]) => `${k} × ${n}`).join(', ');
}

export function markdown(run: Run, verdict: Verdict): string {
  const d: Partial<Digest> = run.digest ?? {};
  const kills = run.events.filter((e) => ['sigterm', 'sigkill', 'pod-delete'].includes(e.kind)).length;
  const restarts = run.events.filter((e) => ['redis-stop', 'redis-delete'].includes(e.kind)).length;
  const failovers = run.events.filter((e) => e.kind === 'redis-failover').length;
  const rollouts = run.events.filter((e) => e.kind === 'rollout-restart').length;
  const lines = [
    `## xwing ${run.script}: ${verdict.passed ? 'passed' : 'FAILED'} (${run.kindLabel})`,
    '',
    `Run \`${run.runId}\`, ${fmt(run.span)} s of load. ![report](report.png)`,
    '',
    '| requests | failed | sessions lost | p95 | p99 | replicas seen | peak ready | dropped iterations |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${fmt(d.requests)} | ${fmt(d.failed)} (${fmt((d.failed_rate || 0) * 100, 2)} %) | ${fmt(d.session_lost)} | ${fmt(d.p95_ms)} ms | ${fmt(d.p99_ms)} ms | ${fmt(run.replicas.length)} (≤${fmt(run.peakAnswering)} at once) | ${fmt(peakSample(run, 'pods_ready'))} | ${fmt(d.dropped_iterations)} |`,
    '',
    (kills + restarts + rollouts + failovers > 0
      ? `Churn: ${kills} replica kills/deletions${rollouts ? `, ${rollouts} rollout restart` : ''}, ${restarts} Redis restart${failovers ? `, ${failovers} Redis failover` : ''}.`
      : 'No churn in this run.') +
      (run.nginx ? ` nginx retried ${fmt(run.nginx.retried)} of ${fmt(run.nginx.total)} requests on another upstream (${fmt(run.nginx.retriedFailed)} still failed).` : ''),
    '',
    '| threshold | verdict |',
    '|---|---|',
    ...verdict.rows.map((r) => `| \`${r.metric}\` \`${r.threshold}\` | ${r.ok ? 'pass' : '**FAIL**'} |`),
  ];
  const sc = [scalingLine(scaling(run)), run.kind === 'cluster' ? podsAddedLine(podsAdded(run)) : null].filter(Boolean).join(' ') || null;
  const failoverNotes = failoverLines(run);
  if (failoverNotes.length) lines.splice(10, 0, ...failoverNotes, '');
  if (sc) lines.splice(8, 0, sc, '');
  if (run.failedByStatus.length) lines.push('', `Failed requests by cause: ${failedCauses(run)}.`);
  return `${lines.join('\n')}\n`;
}
