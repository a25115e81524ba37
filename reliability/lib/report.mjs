// The fault table, for the terminal and as Markdown (for the README and the results folder).

const HEADER = ['fault', 'requests sent', 'failed', 'sessions lost', 'recovery time', 'result'];

const recovery = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : ms === Infinity ? 'never' : '–');

function cells(row) {
  return [row.fault, String(row.sent), String(row.failed), String(row.sessionsLost), recovery(row.recoveryMs), row.pass ? 'PASS' : 'FAIL'];
}

export function renderTable(result) {
  const rows = [HEADER, ...result.rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const failed = result.rows.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `  FAIL ${r.fault}: ${c.name}: ${c.detail}`));
  return [line(rows[0]), rule, ...rows.slice(1).map(line), '', result.pass ? 'all guarantees held' : ['guarantees broken:', ...failed].join('\n'), ''].join('\n');
}

export function renderMarkdown(result) {
  const escape = (text) => String(text).replaceAll('|', '\\|');
  const lines = [
    `# Reliability run ${result.startedAt}`,
    '',
    `${result.settings.rate} req/s from ${result.settings.users} logged-in users, REDIS_COMMAND_TIMEOUT_MS=${result.settings.redisCommandTimeoutMs}, Node ${result.settings.node}, server ${result.settings.server}; ${result.durationS} s; load average at the end ${result.settings.loadAverage.join(' ')} on ${result.settings.cpus} CPUs.`,
    '',
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...result.rows.map((row) => `| ${cells(row).map(escape).join(' | ')} |`),
    '',
    '## Checks',
    '',
  ];
  for (const row of result.rows) {
    lines.push(`### ${row.fault}`, '');
    for (const c of row.checks) lines.push(`- ${c.ok ? '✅' : '❌'} ${c.name}: ${escape(c.detail)}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
