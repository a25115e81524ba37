import { RUN_DIR, BASE_URL } from './config.js';

function fmtMs(v) {
  return v === undefined ? '-' : `${v.toFixed(1)} ms`;
}

function metric(data, name) {
  return (data.metrics[name] && data.metrics[name].values) || {};
}

function verdicts(data) {
  const rows = [];
  for (const [name, m] of Object.entries(data.metrics)) {
    for (const [expr, t] of Object.entries(m.thresholds || {})) {
      rows.push({ metric: name, threshold: expr, ok: t.ok });
    }
  }
  return rows.sort((a, b) => a.metric.localeCompare(b.metric));
}

// The few numbers a person asks for first, in the terminal and in the run folder.
export function digest(script, data) {
  const reqs = metric(data, 'http_reqs');
  const failed = metric(data, 'http_req_failed');
  const dur = metric(data, 'http_req_duration{expected_response:true}');
  const all = metric(data, 'http_req_duration');
  const checks = metric(data, 'checks');
  const rows = verdicts(data);
  return {
    script,
    base_url: BASE_URL,
    passed: rows.every((r) => r.ok),
    requests: reqs.count || 0,
    request_rate: reqs.rate || 0,
    failed: failed.passes || 0,
    failed_rate: failed.rate || 0,
    session_lost: metric(data, 'session_lost').count || 0,
    p95_ms: dur['p(95)'] !== undefined ? dur['p(95)'] : all['p(95)'],
    p99_ms: dur['p(99)'] !== undefined ? dur['p(99)'] : all['p(99)'],
    replicas_seen_max: metric(data, 'replicas_seen').max || 0,
    dropped_iterations: metric(data, 'dropped_iterations').count || 0,
    checks_rate: checks.rate === undefined ? null : checks.rate,
    iterations: metric(data, 'iterations').count || 0,
    thresholds: rows,
  };
}

function text(d) {
  const lines = [
    `xwing ${d.script} against ${d.base_url}: ${d.passed ? 'PASSED' : 'FAILED'}`,
    `  requests ${d.requests} (${d.request_rate.toFixed(1)}/s), failed ${d.failed} (${(d.failed_rate * 100).toFixed(2)} %)`,
    `  session_lost ${d.session_lost}, replicas_seen max ${d.replicas_seen_max}, dropped_iterations ${d.dropped_iterations}`,
    `  latency p95 ${fmtMs(d.p95_ms)}, p99 ${fmtMs(d.p99_ms)}` +
      (d.checks_rate === null ? '' : `, checks ${(d.checks_rate * 100).toFixed(2)} % ok`),
    '  thresholds:',
    ...d.thresholds.map((t) => `    ${t.ok ? 'ok  ' : 'FAIL'} ${t.metric}: ${t.threshold}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function makeHandleSummary(script) {
  return function handleSummary(data) {
    const d = digest(script, data);
    return {
      stdout: text(d),
      [`${RUN_DIR}/summary-${script}.json`]: JSON.stringify(data, null, 1),
      [`${RUN_DIR}/digest-${script}.json`]: JSON.stringify(d, null, 1),
    };
  };
}
