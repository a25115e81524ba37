#!/usr/bin/env node
// node loadtest/report/report.mjs RUN_DIR
// Writes RUN_DIR/report.html (self-contained: inline SVG, no external asset), report.svg, report.png
// (rsvg-convert) and summary.md, and prints the summary. Exit 1 when the run's thresholds failed,
// 2 when the run folder cannot be reported.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, join, resolve } from 'node:path';
import { loadRun } from './data.mjs';
import { EVENT_STYLE, esc, renderSvg } from './chart.mjs';

function fmt(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function verdictOf(run) {
  const rows = (run.digest && run.digest.thresholds) || [];
  const p95 = rows.map((r) => /^p\(95\)<(\d+(\.\d+)?)$/.exec(r.threshold)).find(Boolean);
  return {
    rows,
    passed: rows.length > 0 && rows.every((r) => r.ok),
    p95Limit: p95 ? Number(p95[1]) : null,
  };
}

function meta(runDir) {
  const file = join(runDir, 'run.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

// Over the load only: a cluster sampler also sees the setup() stretch before it.
function peakSample(run, key) {
  const values = run.samples.filter((s) => s.t >= 0).map((s) => s[key]).filter((v) => typeof v === 'number');
  return values.length ? Math.max(...values) : null;
}

// For cluster runs: how the HPA moved, from the sampler (desired replicas and ready pods).
function scaling(run) {
  const withHpa = run.samples.filter((x) => typeof x.replicas_desired === 'number');
  if (run.kind !== 'cluster' || withHpa.length === 0) return null;
  const before = withHpa.filter((x) => x.t <= 0);
  const start = (before.length ? before[before.length - 1] : withHpa[0]).replicas_desired;
  const firstUp = withHpa.find((x) => x.t > 0 && x.replicas_desired > start);
  const peak = peakSample(run, 'pods_ready');
  const atPeak = run.samples.find((x) => x.t >= 0 && x.pods_ready === peak);
  const last = run.samples[run.samples.length - 1];
  return { start, firstUpS: firstUp ? firstUp.t : null, peak, peakS: atPeak ? atPeak.t : null, end: last.pods_ready };
}

// Pods that became Ready after the load started, each timed from the HPA scale decision that created
// it: the last one at most 2 s before its creation (the Deployment and ReplicaSet controllers act in
// well under that); a pod with none (a replacement for a deleted one) is timed from its creation.
// API timestamps have 1 s resolution, so each figure is ±1 s.
function podsAdded(run) {
  const loadStartMs = run.t0;
  const decisions = [...new Set(run.samples.map((x) => x.hpa_last_scale_ms).filter((v) => typeof v === 'number'))].sort((a, b) => a - b);
  const added = run.samples.flatMap((x) => x.became_ready ?? []).filter((p) => p.created_ms >= loadStartMs - 1000 && typeof p.ready_ms === 'number');
  if (added.length === 0) return null;
  const seconds = added
    .map((p) => {
      const decided = decisions.filter((d) => d <= p.created_ms && p.created_ms - d <= 2000).pop() ?? p.created_ms;
      return (p.ready_ms - decided) / 1000;
    })
    .sort((a, b) => a - b);
  const mid = Math.floor(seconds.length / 2);
  const median = seconds.length % 2 ? seconds[mid] : (seconds[mid - 1] + seconds[mid]) / 2;
  return { count: seconds.length, median, max: seconds[seconds.length - 1] };
}

function podsAddedLine(added) {
  if (!added) return null;
  return `New pods: ${added.count} became Ready during the load, ${fmt(added.median, 1)} s (median; max ${fmt(added.max, 1)} s) from the HPA's scale decision (a replacement pod: its creation) to Ready (API timestamps, ±1 s).`;
}

function scalingLine(sc) {
  if (!sc) return null;
  return `HPA: ${sc.start} replicas at load start, first scale-up decided at ${sc.firstUpS === null ? '(never)' : `${fmt(sc.firstUpS)} s`}, ` +
    `peak ${fmt(sc.peak)} ready pods at ${fmt(sc.peakS)} s, ${fmt(sc.end)} ready at the end.`;
}

// With replication the deleted Redis pod is the primary's: when did the Sentinels name another one?
function failoverLines(run) {
  return run.events
    .filter((e) => e.kind === 'redis-failover')
    .map((f) => {
      const deleted = run.events.filter((e) => e.kind === 'redis-delete' && e.t <= f.t).pop();
      const after = deleted ? ` ${fmt(f.t - deleted.t, 1)} s after the primary ${deleted.target} was deleted (at ${fmt(deleted.t, 1)} s)` : '';
      return `Redis failover: the Sentinels named ${f.target} the primary${after}.`;
    });
}

function markdown(run, verdict) {
  const d = run.digest || {};
  const kills = run.events.filter((e) => ['sigterm', 'sigkill', 'pod-delete'].includes(e.kind)).length;
  const restarts = run.events.filter((e) => ['redis-stop', 'redis-delete'].includes(e.kind)).length;
  const failovers = run.events.filter((e) => e.kind === 'redis-failover').length;
  const rollouts = run.events.filter((e) => e.kind === 'rollout-restart').length;
  const lines = [
    `## xwing ${run.script}: ${verdict.passed ? 'passed' : 'FAILED'} (${run.kindLabel})`,
    '',
    `Run \`${run.runId}\`, ${fmt(run.span)} s of load. ![report](${run.pngName})`,
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
  if (run.failedByStatus.length) {
    lines.push('', `Failed requests by cause: ${run.failedByStatus.map(([k, n]) => `${k} × ${n}`).join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}

function html(run, verdict, svg, md) {
  const d = run.digest || {};
  const table = (head, rows) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  const events = run.events
    .filter((e) => e.kind !== 'ready')
    .map((e) => [fmt(e.t, 1), (EVENT_STYLE[e.kind] || { label: e.kind }).label, e.target, e.detail || '']);
  const replicas = run.replicas.map((r) => [r.name, fmt(r.requests), fmt((r.first - run.t0) / 1000, 1), fmt((r.last - run.t0) / 1000, 1)]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>xwing ${esc(run.script)} ${esc(run.runId)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:"DejaVu Sans",Verdana,sans-serif;color:#1f2933;margin:24px auto;max-width:1240px;padding:0 12px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px}
.muted{color:#6b7785} svg{max-width:100%;height:auto;border:1px solid #e4e8ee;border-radius:6px}
table{border-collapse:collapse;font-size:13px;margin:4px 0 12px} th,td{border-bottom:1px solid #e4e8ee;padding:4px 12px 4px 0;text-align:left}
td:nth-child(n+2){font-variant-numeric:tabular-nums} .pass{color:#1b873f;font-weight:bold} .fail{color:#c62828;font-weight:bold}
pre{background:#f6f8fa;padding:12px;border-radius:6px;overflow:auto;font-size:12px}
</style></head><body>
<h1>xwing ${esc(run.script)} · ${esc(run.kindLabel)}</h1>
<p class="muted">${esc(run.runId)} · generated ${esc(new Date().toISOString())} · verdict
<span class="${verdict.passed ? 'pass' : 'fail'}">${verdict.passed ? 'all thresholds passed' : 'thresholds failed'}</span></p>
${svg}
<h2>Thresholds</h2>
${table(['metric', 'threshold', 'verdict'], verdict.rows.map((r) => [r.metric, r.threshold, r.ok ? 'pass' : 'FAIL']))}
<h2>Numbers</h2>
${table(['requests', 'rate', 'failed', 'sessions lost', 'p95', 'p99', 'dropped iterations'], [[fmt(d.requests), `${fmt(d.request_rate, 1)}/s`, `${fmt(d.failed)} (${fmt((d.failed_rate || 0) * 100, 2)} %)`, fmt(d.session_lost), `${fmt(d.p95_ms, 1)} ms`, `${fmt(d.p99_ms, 1)} ms`, fmt(d.dropped_iterations)]])}
${scalingLine(scaling(run)) ? `<p>${esc(scalingLine(scaling(run)))}</p>` : ''}
${run.failedByStatus.length ? `<p>Failed requests by cause: ${esc(run.failedByStatus.map(([k, n]) => `${k} × ${n}`).join(', '))}.</p>` : '<p>No failed request.</p>'}
${run.nginx ? `<p>nginx retried ${fmt(run.nginx.retried)} of ${fmt(run.nginx.total)} requests on another upstream after a refused or reset connection; ${fmt(run.nginx.retriedFailed)} of those still failed.</p>` : ''}
<h2>Replicas that answered (X-Served-By)</h2>
${table(['replica', 'requests', 'first seen (s)', 'last seen (s)'], replicas)}
<h2>Events</h2>
${table(['t (s)', 'event', 'target', 'detail'], events)}
<h2>Markdown summary</h2>
<pre>${esc(md)}</pre>
</body></html>
`;
}

async function main() {
  const arg = process.argv[2];
  if (!arg) {
    console.error('usage: report.mjs RUN_DIR');
    process.exit(2);
  }
  const runDir = resolve(arg);
  const run = await loadRun(runDir);
  const m = meta(runDir);
  run.runId = basename(runDir);
  run.kind = m.kind || 'fleet';
  run.kindLabel = m.label || run.kind;
  run.pngName = 'report.png';
  run.peakAnswering = Math.max(0, ...run.series.map((b) => b.answering));

  const verdict = verdictOf(run);
  const svg = renderSvg(run, verdict);
  const md = markdown(run, verdict);
  writeFileSync(join(runDir, 'report.svg'), svg);
  writeFileSync(join(runDir, 'summary.md'), md);
  writeFileSync(join(runDir, 'report.html'), html(run, verdict, svg, md));

  const png = spawnSync('rsvg-convert', ['--format=png', '--zoom=1.5', '--output', join(runDir, 'report.png'), join(runDir, 'report.svg')], { stdio: 'inherit' });
  if (png.error || png.status !== 0) {
    console.error(`report.png not written: rsvg-convert ${png.error ? png.error.message : `exit ${png.status}`} (make report-deps installs librsvg2-bin)`);
    process.exit(2);
  }
  process.stdout.write(md);
  console.log(`\nreport: ${join(runDir, 'report.html')}\nchart:  ${join(runDir, 'report.png')}`);
  process.exit(verdict.passed ? 0 : 1);
}

main().catch((err) => {
  console.error(`report: ${err.message}`);
  process.exit(2);
});
