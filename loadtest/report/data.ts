// Reads a run folder (see loadtest/README.md) into one time-bucketed series for the report.
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Bucket, Digest, K6Point, LoadedRun, LogEvent, NginxRetries, ReplicaTotal, RunEvent, Sample } from './types.ts';

// The scripts whose streams the report charts, most telling first; smoke only when nothing else ran.
const MAIN_SCRIPTS = ['churn', 'scale-out', 'smoke'];

interface SecondAcc {
  reqs: number;
  failed: number;
  durations: number[];
  lost: number;
  dropped: number;
  replicas: Set<string>;
}

function readJsonLines(file: string): unknown[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line): unknown => JSON.parse(line));
}

/** A JSON file's content; null when there is no such file. */
export function readJson(file: string): unknown {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : null;
}

/** The main script's k6 stream, compressed preferred. */
export function mainStream(runDir: string): { script: string; stream: string } {
  const files = new Set(readdirSync(runDir));
  for (const script of MAIN_SCRIPTS) {
    const name = [`k6-${script}.json.gz`, `k6-${script}.json`].find((f) => files.has(f));
    if (name) return { script, stream: join(runDir, name) };
  }
  throw new Error(`${runDir}: no k6-<script>.json(.gz) stream (run k6 with --out json=...)`);
}

function quantile(sorted: readonly number[], q: number): number | null {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const below = sorted[lo];
  const above = sorted[Math.ceil(pos)];
  // Only an empty list has neither.
  if (below === undefined || above === undefined) return null;
  return below + (above - below) * (pos - lo);
}

async function* points(file: string): AsyncGenerator<K6Point> {
  const input = file.endsWith('.gz') ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const rec = JSON.parse(line) as K6Point | { type: 'Metric' };
    if (rec.type === 'Point') yield rec;
  }
}

// nginx access log (fleet mode): a request that tried more than one upstream was retried by nginx.
function nginxRetries(file: string): NginxRetries | null {
  if (!existsSync(file)) return null;
  let total = 0;
  let retried = 0;
  let retriedFailed = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\S+) (\d{3}) \S+ \S+ "([^"]*)" "([^"]*)"/.exec(line);
    if (!m) continue;
    const [, , status, upstreams = ''] = m;
    total += 1;
    if (upstreams.includes(',') || upstreams.includes(' : ')) {
      retried += 1;
      if (Number(status) >= 500) retriedFailed += 1;
    }
  }
  return { total, retried, retriedFailed };
}

// The harness's EventLog lines ({t, ms, event, target, detail}) on the report's epoch-ms clock.
function eventOf(e: LogEvent): Omit<RunEvent, 't'> {
  const ts = Date.parse(e.t);
  if (Number.isNaN(ts)) throw new Error(`events.jsonl: not a line of the harness's EventLog: ${JSON.stringify(e)}`);
  return { ts, kind: e.event, target: e.target, detail: e.detail };
}

export async function loadRun(runDir: string): Promise<LoadedRun> {
  const { script, stream } = mainStream(runDir);
  const events = (readJsonLines(join(runDir, 'events.jsonl')) as LogEvent[]).map(eventOf);
  const samples = readJsonLines(join(runDir, 'samples.jsonl')) as Sample[];
  const digest = readJson(join(runDir, `digest-${script}.json`)) as Digest | null;

  const loadStart = events.find((e) => e.kind === 'load-start');
  // Seconds are counted from the load start, so buckets begin exactly there (epoch seconds without one).
  const base = loadStart ? loadStart.ts : 0;
  const raw = new Map<number, SecondAcc>();
  const replicaTotals = new Map<string, ReplicaTotal>();
  const failedByStatus = new Map<string, number>();
  let first = Infinity;
  let last = -Infinity;
  const slot = (sec: number): SecondAcc => {
    let b = raw.get(sec);
    if (!b) {
      b = { reqs: 0, failed: 0, durations: [], lost: 0, dropped: 0, replicas: new Set() };
      raw.set(sec, b);
    }
    return b;
  };

  for await (const p of points(stream)) {
    const ms = Date.parse(p.data.time);
    const tags = p.data.tags ?? {};
    // setup() traffic (registrations, logins) is not the load under test.
    if (tags.name?.startsWith('setup ')) continue;
    const sec = Math.floor((ms - base) / 1000);
    switch (p.metric) {
      case 'http_reqs':
        slot(sec).reqs += p.data.value;
        first = Math.min(first, ms);
        last = Math.max(last, ms);
        break;
      case 'http_req_failed':
        if (p.data.value) {
          slot(sec).failed += 1;
          const key = tags.status === '0' || !tags.status ? `network error${tags.error_code ? ` ${tags.error_code}` : ''}` : `HTTP ${tags.status}`;
          failedByStatus.set(key, (failedByStatus.get(key) ?? 0) + 1);
        }
        break;
      case 'http_req_duration':
        if (tags.expected_response === 'true') slot(sec).durations.push(p.data.value);
        break;
      case 'session_lost':
        slot(sec).lost += p.data.value;
        break;
      case 'dropped_iterations':
        slot(sec).dropped += p.data.value;
        break;
      case 'replica_responses': {
        // lib/metrics.js tags every one of these with the X-Served-By it saw.
        const name = tags.served_by;
        if (name === undefined) break;
        slot(sec).replicas.add(name);
        const t = replicaTotals.get(name) ?? { name, requests: 0, first: ms, last: ms };
        t.requests += p.data.value;
        t.first = Math.min(t.first, ms);
        t.last = Math.max(t.last, ms);
        replicaTotals.set(name, t);
        break;
      }
      default:
        break;
    }
  }
  if (first === Infinity) throw new Error(`${stream}: no http_reqs samples`);

  const t0 = loadStart ? loadStart.ts : first;
  const tEnd = Math.max(last, ...samples.map((s) => s.ts));
  const span = (tEnd - t0) / 1000;
  // Buckets of a few seconds keep a 10-minute run to ~150 points: readable lines, stable p95s.
  const bucketS = Math.max(2, Math.ceil(span / 150));
  const windowS = Math.max(10, bucketS * 3);
  const secs = [...raw.entries()].sort((a, b) => a[0] - b[0]);
  const series: Bucket[] = [];
  // Buckets end with the last request: a partial bucket would draw a drop that never happened.
  for (let start = Math.floor((t0 - base) / 1000); start + bucketS <= Math.floor((last - base) / 1000) + 1; start += bucketS) {
    const acc: Omit<SecondAcc, 'replicas'> = { reqs: 0, failed: 0, durations: [], lost: 0, dropped: 0 };
    const answering = new Set<string>();
    for (const [s, b] of secs) {
      if (s >= start && s < start + bucketS) {
        acc.reqs += b.reqs;
        acc.failed += b.failed;
        acc.lost += b.lost;
        acc.dropped += b.dropped;
        for (const d of b.durations) acc.durations.push(d);
      }
      if (s > start + bucketS - windowS && s < start + bucketS) for (const r of b.replicas) answering.add(r);
    }
    acc.durations.sort((a, b) => a - b);
    series.push({
      t: (start * 1000 + base - t0) / 1000,
      rps: acc.reqs / bucketS,
      failedPerS: acc.failed / bucketS,
      failed: acc.failed,
      p50: quantile(acc.durations, 0.5),
      p95: quantile(acc.durations, 0.95),
      lost: acc.lost,
      dropped: acc.dropped,
      answering: answering.size,
    });
  }

  return {
    script,
    digest,
    t0,
    span,
    bucketS,
    windowS,
    series,
    samples: samples.map((s) => ({ ...s, t: (s.ts - t0) / 1000 })),
    events: events.map((e) => ({ ...e, t: (e.ts - t0) / 1000 })),
    replicas: [...replicaTotals.values()].sort((a, b) => a.first - b.first),
    failedByStatus: [...failedByStatus.entries()].sort((a, b) => b[1] - a[1]),
    nginx: nginxRetries(join(runDir, 'nginx-access.log')),
  };
}
