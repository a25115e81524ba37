// node --test loadtest/report/: the report generator on synthetic run folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticRun } from './synthetic.mjs';

const REPORT = new URL('./report.mjs', import.meta.url).pathname;
const run = (dir) => spawnSync(process.execPath, [REPORT, dir], { encoding: 'utf8' });

test('a passing run gets a self-contained HTML report, a PNG chart and a Markdown summary', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'xwing-report-')), 'run');
  const { requests, failed } = writeSyntheticRun(dir);
  const res = run(dir);
  assert.equal(res.status, 0, res.stderr);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /<svg /);
  assert.doesNotMatch(html, /<script|<link|src=|url\(/, 'the report must load nothing from elsewhere');
  for (const label of ['SIGTERM', 'SIGKILL', 'Redis restart', 'Replicas', 'Requests per second', 'no session lost']) {
    assert.ok(html.includes(label), `chart shows ${label}`);
  }
  const png = readFileSync(join(dir, 'report.png'));
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  const md = readFileSync(join(dir, 'summary.md'), 'utf8');
  assert.ok(md.includes(`| ${requests.toLocaleString('en-US')} | ${failed}`), md);
  assert.ok(md.includes('| 5 (≤4 at once) |'), 'five replica names, at most four answering in one window');
});

test('lost sessions fail the report and show on the chart', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'xwing-report-')), 'run');
  writeSyntheticRun(dir, { lostSessions: 3 });
  const res = run(dir);
  assert.equal(res.status, 1, res.stdout + res.stderr);
  assert.match(readFileSync(join(dir, 'report.svg'), 'utf8'), /3 sessions lost/);
  assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /FAILED/);
});

test('a folder without a k6 stream is refused with a clear message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xwing-report-'));
  const res = run(dir);
  assert.equal(res.status, 2);
  assert.match(res.stderr, /no k6-<script>\.json/);
});

test('a cluster run charts the HPA metric and says how the HPA moved', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'xwing-report-')), 'run');
  writeSyntheticRun(dir, { cluster: true });
  const res = run(dir);
  assert.equal(res.status, 0, res.stderr);
  const svg = readFileSync(join(dir, 'report.svg'), 'utf8');
  for (const label of ['CPU utilisation', 'target 60 %', 'rollout restart', 'Redis pod deleted', 'pod deleted']) {
    assert.ok(svg.includes(label), `chart shows ${label}`);
  }
  const md = readFileSync(join(dir, 'summary.md'), 'utf8');
  assert.match(md, /HPA: 2 replicas at load start, first scale-up decided at 20 s, peak 5 ready pods at 25 s, 3 ready at the end\./);
  // The two pods from before the load are not counted; the three new ones took 3, 4 and 6 s from the
  // decision, the replacement 2 s from its creation.
  assert.match(md, /New pods: 4 became Ready during the load, 3\.5 s \(median; max 6\.0 s\) from the HPA's scale decision \(a replacement pod: its creation\) to Ready/);
});

test('a churn with replication marks the deletion of the primary and the moment the Sentinels name a new one', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'xwing-report-')), 'run');
  writeSyntheticRun(dir, { cluster: true });
  const start = JSON.parse(readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n')[0]);
  // What loadtest/cluster/chaos.sh adds when the release runs Redis with replication.
  const ev = (t, kind, target, detail) => JSON.stringify({ ts: start.ts + t * 1000, kind, target, detail });
  appendFileSync(join(dir, 'events.jsonl'), `${ev(100, 'redis-delete', 'xwing-redis-1', 'primary')}\n${ev(101.6, 'redis-failover', 'xwing-redis-2', '')}\n`);
  const res = run(dir);
  assert.equal(res.status, 0, res.stderr);
  assert.ok(readFileSync(join(dir, 'report.svg'), 'utf8').includes('Redis failover'), 'chart marks the failover');
  assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /Redis failover: the Sentinels named xwing-redis-2 the primary 1\.6 s after the primary xwing-redis-1 was deleted \(at 100\.0 s\)\./);
});
