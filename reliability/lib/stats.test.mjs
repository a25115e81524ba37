import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown, renderTable } from './report.mjs';
import { firstFailureAfter, linearFit, percentile, recoveryMs, summarize } from './stats.mjs';

const rec = (t0, t1, status, extra = {}) => ({ t0, t1, status, ok: status >= 200 && status < 400, sessionLost: status === 401, user: 'u', ...extra });

test('percentile is nearest-rank', () => {
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('recovery is the end of the first success after the last failure', () => {
  const records = [rec(0, 5, 200), rec(10, 12, 503), rec(20, 22, 503), rec(30, 35, 200), rec(40, 41, 200)];
  assert.equal(recoveryMs(records, 15), 20);
  assert.equal(recoveryMs(records, 100), 0, 'never negative');
  assert.equal(recoveryMs([rec(0, 1, 200)], 0), 0, 'nothing failed');
  assert.equal(recoveryMs([rec(0, 1, 200), rec(5, 6, 503)], 0), Infinity, 'never recovered');
});

test('failures are ordered by start: a slow failure does not hide that later requests succeeded', () => {
  const records = [rec(10, 100, 503), rec(20, 25, 200), rec(110, 115, 200)];
  assert.equal(recoveryMs(records, 0), 25);
  assert.equal(firstFailureAfter(records, 5), 95);
  assert.equal(firstFailureAfter(records, 50), undefined);
});

test('summarize counts a window by start time, failures by cause, lost sessions by user', () => {
  const records = [rec(0, 1, 200), rec(1, 2, 503), rec(2, 3, 0, { error: 'ECONNRESET' }), rec(3, 4, 401, { user: 'a' }), rec(4, 5, 401, { user: 'a' }), rec(9, 10, 503)];
  const s = summarize(records, 0, 9);
  assert.equal(s.sent, 5);
  assert.equal(s.failed, 4);
  assert.deepEqual(s.failedBy, { 503: 1, ECONNRESET: 1, 401: 2 });
  assert.equal(s.sessionsLost, 1);
});

test('linearFit finds the slope of a noisy line and is flat for a constant', () => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  const { slope } = linearFit(xs, xs.map((x) => 3 * x + 7 + (x % 2 ? 0.5 : -0.5)));
  assert.ok(Math.abs(slope - 3) < 0.01);
  assert.equal(linearFit(xs, xs.map(() => 4)).slope, 0);
});

test('the table shows every row and names each broken guarantee', () => {
  const result = {
    startedAt: 'now', durationS: 1, pass: false, settings: { rate: 1, users: 1, redisCommandTimeoutMs: 1, node: 'v24', server: 'dist/server.js', loadAverage: [1, 1, 1], cpus: 2 },
    rows: [
      { fault: 'ok | fault', sent: 10, failed: 0, sessionsLost: 0, recoveryMs: 0, pass: true, checks: [{ name: 'a', ok: true, detail: 'fine' }] },
      { fault: 'bad', sent: 10, failed: 3, sessionsLost: 1, recoveryMs: Infinity, pass: false, checks: [{ name: 'b', ok: false, detail: 'why' }] },
    ],
  };
  const table = renderTable(result);
  assert.match(table, /bad .*\|\s+10 \|\s+3 \|\s+1 \|\s+never \|\s+FAIL/);
  assert.match(table, /FAIL bad: b: why/);
  const md = renderMarkdown(result);
  assert.match(md, /\| ok \\\| fault \| 10 \| 0 \| 0 \| 0\.0 s \| PASS \|/);
  assert.match(md, /❌ b: why/);
});
