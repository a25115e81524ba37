// Reads a run folder (see loadtest/README.md) into one time-bucketed series for the report.
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

// The scripts whose streams the report charts, most telling first; smoke only when nothing else ran.
const MAIN_SCRIPTS = ['churn', 'scale-out', 'smoke'];

function readJsonLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

function readJson(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

export function mainScript(runDir) {
  const files = new Set(readdirSync(runDir));
  const script = MAIN_SCRIPTS.find((s) => files.has(`k6-${s}.json.gz`) || files.has(`k6-${s}.json`));
  if (!script) throw new Error(`${runDir}: no k6-<script>.json(.gz) stream (run k6 with --out json=...)`);
  return script;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

async function* points(file) {
  const input = file.endsWith('.gz') ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const rec = JSON.parse(line);
    if (rec.type === 'Point') yield rec;
  }
}

// nginx access log (fleet mode): a request that tried more than one upstream was retried by nginx.
function nginxRetries(file) {
  if (!existsSync(file)) return null;
  let total = 0;
  let retried = 0;
  let retriedFailed = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^(\S+) (\d{3}) \S+ \S+ "([^"]*)" "([^"]*)"/);
    if (!m) continue;
    total += 1;
    if (m[3].includes(',') || m[3].includes(' : ')) {
      retried += 1;
      if (Number(m[2]) >= 500) retriedFailed += 1;
    }
  }
  return { total, retried, retriedFailed };
}

export async function loadRun(runDir) {
  const script = mainScript(runDir);
  const stream = ['json.gz', 'json'].map((ext) => join(runDir, `k6-${script}.${ext}`)).find(existsSync);
  // The harness's EventLog writes {t, event, ...}; the cluster harness (lib/harness.sh) {ts, kind, ...}.
  const events = readJsonLines(join(runDir, 'events.jsonl')).map((e) => ({ ...e, ts: e.ts ?? Date.parse(e.t), kind: e.kind ?? e.event }));
  const samples = readJsonLines(join(runDir, 'samples.jsonl'));
  const digest = readJson(join(runDir, `digest-${script}.json`));

  const loadStart = events.find((e) => e.kind === 'load-start');
  // Seconds are counted from the load start, so buckets begin exactly there (epoch seconds without one).
  const base = loadStart ? loadStart.ts : 0;
  const raw = new Map(); // second -> accumulators
  const replicaTotals = new Map();
  const failedByStatus = new Map();
  let first = Infinity;
  let last = -Infinity;
  const slot = (sec) => {
    let b = raw.get(sec);
    if (!b) {
      b = { reqs: 0, failed: 0, durations: [], lost: 0, dropped: 0, replicas: new Set() };
      raw.set(sec, b);
    }
    return b;
  };

  for await (const p of points(stream)) {
    const ms = Date.parse(p.data.time);
    const tags = p.data.tags || {};
    // setup() traffic (registrations, logins) is not the load under test.
    if (tags.name && tags.name.startsWith('setup ')) continue;
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
          failedByStatus.set(key, (failedByStatus.get(key) || 0) + 1);
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
        const name = tags.served_by;
        slot(sec).replicas.add(name);
        const t = replicaTotals.get(name) || { name, requests: 0, first: ms, last: ms };
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
  const secs = [...raw.keys()].sort((a, b) => a - b);
  const series = [];
  // Buckets end with the last request: a partial bucket would draw a drop that never happened.
  for (let start = Math.floor((t0 - base) / 1000); start + bucketS <= Math.floor((last - base) / 1000) + 1; start += bucketS) {
    const acc = { reqs: 0, failed: 0, durations: [], lost: 0, dropped: 0 };
    const answering = new Set();
    for (const s of secs) {
      const b = raw.get(s);
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
    runDir,
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
