// The report generator (report.ts, run as the harnesses run it) on synthetic run folders.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { writeSyntheticRun } from './synthetic.ts';
import type { LogEvent } from './types.ts';

const REPORT = fileURLToPath(new URL('./report.ts', import.meta.url));
const run = (dir: string) => spawnSync(process.execPath, [REPORT, dir], { encoding: 'utf8' });

const scratch = mkdtempSync(join(tmpdir(), 'xwing-report-'));
const tempDir = (): string => mkdtempSync(join(scratch, 'case-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('a passing run gets a self-contained HTML report, a PNG chart and a Markdown summary', () => {
  const dir = join(tempDir(), 'run');
  const { requests, failed } = writeSyntheticRun(dir);
  const res = run(dir);
  expect(res.status, res.stderr).toBe(0);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  expect(html).toMatch(/<svg /);
  expect(html, 'the report must load nothing from elsewhere').not.toMatch(/<script|<link|src=|url\(/);
  for (const label of ['SIGTERM', 'SIGKILL', 'Redis restart', 'Replicas', 'Requests per second', 'no session lost']) {
    expect(html, `chart shows ${label}`).toContain(label);
  }
  // The whole PNG signature, not only its "PNG".
  expect([...readFileSync(join(dir, 'report.png')).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const md = readFileSync(join(dir, 'summary.md'), 'utf8');
  expect(md).toContain(`| ${requests.toLocaleString('en-US')} | ${failed}`);
  expect(md, 'five replica names, at most four answering in one window').toContain('| 5 (≤4 at once) |');
});

test('lost sessions fail the report and show on the chart', () => {
  const dir = join(tempDir(), 'run');
  writeSyntheticRun(dir, { lostSessions: 3 });
  const res = run(dir);
  expect(res.status, res.stdout + res.stderr).toBe(1);
  expect(readFileSync(join(dir, 'report.svg'), 'utf8')).toMatch(/3 sessions lost/);
  expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/FAILED/);
});

test('a folder without a k6 stream is refused with a clear message', () => {
  const res = run(tempDir());
  expect(res.status).toBe(2);
  expect(res.stderr).toMatch(/no k6-<script>\.json/);
});

test('a cluster run charts the HPA metric and says how the HPA moved', () => {
  const dir = join(tempDir(), 'run');
  writeSyntheticRun(dir, { cluster: true });
  const res = run(dir);
  expect(res.status, res.stderr).toBe(0);
  const svg = readFileSync(join(dir, 'report.svg'), 'utf8');
  for (const label of ['CPU utilisation', 'target 60 %', 'rollout restart', 'Redis pod deleted', 'pod deleted']) {
    expect(svg, `chart shows ${label}`).toContain(label);
  }
  const md = readFileSync(join(dir, 'summary.md'), 'utf8');
  expect(md).toMatch(/HPA: 2 replicas at load start, first scale-up decided at 20 s, peak 5 ready pods at 25 s, 3 ready at the end\./);
  // The two pods from before the load are not counted; the three new ones took 3, 4 and 6 s from the
  // decision, the replacement 2 s from its creation.
  expect(md).toMatch(/New pods: 4 became Ready during the load, 3\.5 s \(median; max 6\.0 s\) from the HPA's scale decision \(a replacement pod: its creation\) to Ready/);
});

test('a churn with replication marks the deletion of the primary and the moment the Sentinels name a new one', () => {
  const dir = join(tempDir(), 'run');
  writeSyntheticRun(dir, { cluster: true });
  const start = JSON.parse(readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n')[0]!) as LogEvent;
  // What loadtest/cluster/chaos.ts adds when the release runs Redis with replication.
  const ev = (t: number, event: string, target: string, detail: string) =>
    JSON.stringify({ t: new Date(Date.parse(start.t) + t * 1000).toISOString(), ms: start.ms + t * 1000, event, target, detail } satisfies LogEvent);
  appendFileSync(join(dir, 'events.jsonl'), `${ev(100, 'redis-delete', 'xwing-redis-1', 'primary')}\n${ev(101.6, 'redis-failover', 'xwing-redis-2', '')}\n`);
  const res = run(dir);
  expect(res.status, res.stderr).toBe(0);
  expect(readFileSync(join(dir, 'report.svg'), 'utf8'), 'chart marks the failover').toContain('Redis failover');
  expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/Redis failover: the Sentinels named xwing-redis-2 the primary 1\.6 s after the primary xwing-redis-1 was deleted \(at 100\.0 s\)\./);
});
