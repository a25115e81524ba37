import { describe, expect, it } from 'vitest';
import { renderMarkdown, renderTable, type RunResult } from './report.ts';
import { firstFailureAfter, linearFit, percentile, recoveryMs, summarize, type Outcome } from './stats.ts';

const rec = (start: number, end: number, status: number, extra: Partial<Outcome> = {}): Outcome => ({
  start, end, status, ok: status >= 200 && status < 400, sessionLost: status === 401, user: 'u', error: undefined, ...extra,
});

describe('stats', () => {
  it('percentile is nearest-rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });

  it('recovery is the end of the first success after the last failure', () => {
    const records = [rec(0, 5, 200), rec(10, 12, 503), rec(20, 22, 503), rec(30, 35, 200), rec(40, 41, 200)];
    expect(recoveryMs(records, 15)).toBe(20);
    expect(recoveryMs(records, 100), 'never negative').toBe(0);
    expect(recoveryMs([rec(0, 1, 200)], 0), 'nothing failed').toBe(0);
    expect(recoveryMs([rec(0, 1, 200), rec(5, 6, 503)], 0), 'never recovered').toBe(Infinity);
  });

  it('orders failures by start: a slow failure does not hide that later requests succeeded', () => {
    const records = [rec(10, 100, 503), rec(20, 25, 200), rec(110, 115, 200)];
    expect(recoveryMs(records, 0)).toBe(25);
    expect(firstFailureAfter(records, 5)).toBe(95);
    expect(firstFailureAfter(records, 50)).toBeUndefined();
  });

  it('summarize counts a window by start time, failures by cause, lost sessions by user', () => {
    const records = [
      rec(0, 1, 200), rec(1, 2, 503), rec(2, 3, 0, { error: 'ECONNRESET' }), rec(3, 4, 401, { user: 'a' }), rec(4, 5, 401, { user: 'a' }), rec(9, 10, 503),
    ];
    const s = summarize(records, 0, 9);
    expect(s.sent).toBe(5);
    expect(s.failed).toBe(4);
    expect(s.failedBy).toEqual({ 503: 1, ECONNRESET: 1, 401: 2 });
    expect(s.sessionsLost).toBe(1);
  });

  it('linearFit finds the slope of a noisy line and is flat for a constant', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    expect(Math.abs(linearFit(xs, xs.map((x) => 3 * x + 7 + (x % 2 ? 0.5 : -0.5))).slope - 3)).toBeLessThan(0.01);
    expect(linearFit(xs, xs.map(() => 4)).slope).toBe(0);
  });
});

describe('report', () => {
  const result: RunResult = {
    startedAt: 'now',
    durationS: 1,
    pass: false,
    settings: {
      rate: 1, users: 1, redisCommandTimeoutMs: 1, failoverHoldMs: 3000, sentinel: { downAfterMs: 3000, failoverTimeoutMs: 10_000, quorum: 2 },
      node: 'v24', server: 'dist/server.js', loadAverage: [1, 1, 1], cpus: 2,
    },
    rows: [
      { fault: 'ok | fault', sent: 10, failed: 0, sessionsLost: 0, recoveryMs: 0, pass: true, checks: [{ name: 'a', ok: true, detail: 'fine' }], details: {} },
      {
        fault: 'bad', sent: 10, failed: 3, sessionsLost: 1, logoutsUndone: 2, failoverMs: 1234, recoveryMs: Infinity, pass: false,
        checks: [{ name: 'b', ok: false, detail: 'why' }], details: {},
      },
    ],
  };

  it('the table shows every row, dashes for columns a row does not measure, and names each broken guarantee', () => {
    const table = renderTable(result);
    expect(table).toMatch(/ok \| fault .*\|\s+10 \|\s+0 \|\s+0 \|\s+– \|\s+– \|\s+0\.0 s \|\s+PASS/);
    expect(table).toMatch(/bad .*\|\s+10 \|\s+3 \|\s+1 \|\s+2 \|\s+1\.2 s \|\s+never \|\s+FAIL/);
    expect(table).toMatch(/FAIL bad: b: why/);
  });

  it('the Markdown escapes pipes and marks each check', () => {
    const md = renderMarkdown(result);
    expect(md).toContain('| ok \\| fault | 10 | 0 | 0 | – | – | 0.0 s | PASS |');
    expect(md).toContain('❌ b: why');
  });
});
