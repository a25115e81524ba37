// The fault table, for the terminal and as Markdown (for the README and the run folder).

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Row {
  fault: string;
  sent: number;
  failed: number;
  sessionsLost: number;
  /** Tokens whose logout got a 204 and that a session check later accepted; Sentinel rows only. */
  logoutsUndone?: number;
  /** Last acknowledged write on the old primary to the first on the new one; Sentinel rows only. */
  failoverMs?: number;
  recoveryMs: number;
  pass: boolean;
  checks: Check[];
  details: Record<string, unknown>;
}

export interface RunResult {
  startedAt: string;
  durationS: number;
  settings: {
    rate: number;
    users: number;
    redisCommandTimeoutMs: number;
    failoverHoldMs: number;
    sentinel: { downAfterMs: number; failoverTimeoutMs: number; quorum: number };
    node: string;
    server: string;
    loadAverage: number[];
    cpus: number;
  };
  pass: boolean;
  rows: Row[];
}

const HEADER = ['fault', 'requests sent', 'failed', 'sessions lost', 'logouts undone', 'failover time', 'recovery time', 'result'];

function seconds(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '–';
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'never';
}

function cells(row: Row): string[] {
  return [
    row.fault,
    String(row.sent),
    String(row.failed),
    String(row.sessionsLost),
    row.logoutsUndone === undefined ? '–' : String(row.logoutsUndone),
    seconds(row.failoverMs),
    seconds(row.recoveryMs),
    row.pass ? 'PASS' : 'FAIL',
  ];
}

function brokenGuarantees(result: RunResult): string {
  if (result.pass) return 'all guarantees held';
  const failed = result.rows.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `  FAIL ${r.fault}: ${c.name}: ${c.detail}`));
  return ['guarantees broken:', ...failed].join('\n');
}

export function renderTable(result: RunResult): string {
  const rows = [HEADER, ...result.rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(HEADER), rule, ...rows.slice(1).map(line), '', brokenGuarantees(result), ''].join('\n');
}

export function renderMarkdown(result: RunResult): string {
  const escape = (text: string) => text.replaceAll('|', '\\|');
  const { settings: s } = result;
  const lines = [
    `# Reliability run ${result.startedAt}`,
    '',
    `${s.rate} req/s from ${s.users} logged-in users; standalone rows with REDIS_COMMAND_TIMEOUT_MS=${s.redisCommandTimeoutMs} and ` +
      `REDIS_FAILOVER_HOLD_MS=${s.failoverHoldMs}; Sentinel rows with the app's and the chart's defaults (down-after ${s.sentinel.downAfterMs} ms, ` +
      `failover-timeout ${s.sentinel.failoverTimeoutMs} ms, quorum ${s.sentinel.quorum}); Node ${s.node}, server ${s.server}; ${result.durationS} s; ` +
      `load average at the end ${s.loadAverage.join(' ')} on ${s.cpus} CPUs.`,
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
