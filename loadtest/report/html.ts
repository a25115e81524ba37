// report.html: the chart inline and the run's tables, self-contained (no script, stylesheet or image
// from elsewhere) so that it opens from a CI artifact or a mail attachment as it is.
import { EVENT_STYLE } from './chart.ts';
import { esc, fmt } from './format.ts';
import { failedCauses, scaling, scalingLine } from './summary.ts';
import type { Digest, Run, Verdict } from './types.ts';

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function html(run: Run, verdict: Verdict, svg: string, md: string): string {
  const d: Partial<Digest> = run.digest ?? {};
  const events = run.events
    .filter((e) => e.kind !== 'ready')
    .map((e) => [fmt(e.t, 1), (EVENT_STYLE[e.kind] ?? { label: e.kind }).label, e.target, e.detail || '']);
  const replicas = run.replicas.map((r) => [r.name, fmt(r.requests), fmt((r.first - run.t0) / 1000, 1), fmt((r.last - run.t0) / 1000, 1)]);
  const hpa = scalingLine(scaling(run));
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
${hpa ? `<p>${esc(hpa)}</p>` : ''}
${run.failedByStatus.length ? `<p>Failed requests by cause: ${esc(failedCauses(run))}.</p>` : '<p>No failed request.</p>'}
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
