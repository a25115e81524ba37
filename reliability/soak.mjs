// The soak: one app and its Redis under a steady mixed load (reads, cached profiles, CPU work,
// and login/logout churn that creates and deletes sessions) for SOAK_SECONDS (600 by default).
// Every SOAK_SAMPLE_SECONDS it records the app's RSS and open fds from /proc and its event-loop lag
// and heap from /metrics; after a warm-up it fits a line through each and fails when a slope shows
// growth (a leak) or when any request failed. Writes soak.json, soak.md and samples.jsonl into
// RELIABILITY_RUN_DIR. Run it through run.sh (make soak), which owns the cleanup trap.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createUsers, LoadGenerator, verifySessions } from './lib/load.mjs';
import { fdCount, inboundConnections, prepareState, ROOT, rssBytes, scrapeMetrics, startApp, startRedis, STATE, stopAll } from './lib/procs.mjs';
import { linearFit, round, summarize } from './lib/stats.mjs';

const env = process.env;
const SECONDS = Number(env.SOAK_SECONDS ?? 600);
const RATE = Number(env.SOAK_RATE ?? 50);
const SAMPLE_S = Number(env.SOAK_SAMPLE_SECONDS ?? 5);
const BASE = Number(env.RELIABILITY_PORT_BASE ?? 17080) + 50;
const RUN_DIR = env.RELIABILITY_RUN_DIR ?? join(ROOT, 'reliability', 'results', 'adhoc-soak');
// The first part of the run is the JIT, the heap and the connection pools settling; fitting a
// line through it would call that a leak. At least three samples stay after it.
const WARMUP_S = Math.min(60, SECONDS * 0.2);
const MiB = 1024 * 1024;

/**
 * Per-minute growth a leak would show and a steady process would not. A 10-minute run at the
 * RSS bound would add 20 MiB; the fd bound means one leaked descriptor per two minutes.
 */
const BOUNDS = { rssMiBPerMin: 2, heapMiBPerMin: 1, lagMsPerMin: 0.5, ownFdsPerMin: 0.5 };

const log = (message) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function main() {
  if (!(SECONDS >= 30)) throw new Error('SOAK_SECONDS must be at least 30');
  prepareState();
  const redis = { name: 'soak.redis', host: '127.0.0.1', port: BASE + 300, dir: join(STATE, 'redis') };
  await startRedis(redis);
  // The app's own Redis command timeout (1 s), not the fault suite's shorter one.
  const app = await startApp({
    name: 'soak.app', port: BASE, metricsPort: BASE + 100,
    env: { REDIS_URL: `redis://${redis.host}:${redis.port}`, REDIS_COMMAND_TIMEOUT_MS: '1000' },
  });
  const users = await createUsers(app.url, 'soak', 100);
  const load = new LoadGenerator({
    backends: [{ name: 'app', url: app.url }], users, rate: RATE,
    mix: [['session', 5], ['profile', 3], ['work', 1], ['cycle', 1]],
  });
  log(`soak: ${RATE} req/s for ${SECONDS} s, sampling every ${SAMPLE_S} s (warm-up ${WARMUP_S} s)`);
  load.start();
  const samples = [];
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    await sleep(SAMPLE_S * 1000);
    if (!app.alive) throw new Error('the app exited during the soak');
    const m = await scrapeMetrics(app.metricsUrl, ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']);
    const sample = {
      s: round((performance.now() - started) / 1000, 1),
      rssMiB: round(rssBytes(app.pid) / MiB, 2),
      heapMiB: round(m.nodejs_heap_size_used_bytes / MiB, 2),
      lagMs: round(m.nodejs_eventloop_lag_seconds * 1000, 2),
      lagP99Ms: round(m.nodejs_eventloop_lag_p99_seconds * 1000, 2),
      fds: fdCount(app.pid),
      clientConns: inboundConnections(BASE),
      sent: load.seq,
      failed: load.records.filter((r) => !r.ok).length,
    };
    sample.ownFds = sample.fds - sample.clientConns;
    samples.push(sample);
    if (samples.length % 12 === 0) log(`soak: ${JSON.stringify(sample)}`);
  }
  const records = await load.stop();
  const lost = await verifySessions(app.url, users);
  await stopAll();

  const steady = samples.filter((s) => s.s > WARMUP_S);
  const slope = (key) => round(linearFit(steady.map((s) => s.s / 60), steady.map((s) => s[key])).slope, 3);
  const first = steady[0];
  const last = steady.at(-1);
  const summary = summarize(records);
  const slopes = {
    rssMiBPerMin: slope('rssMiB'), heapMiBPerMin: slope('heapMiB'), lagMsPerMin: slope('lagMs'), lagP99MsPerMin: slope('lagP99Ms'),
    ownFdsPerMin: slope('ownFds'), fdsPerMin: slope('fds'),
  };
  const checks = [
    ...Object.entries(BOUNDS).map(([key, bound]) => ({ name: `${key} ≤ ${bound}`, ok: steady.length >= 3 && slopes[key] <= bound, detail: `${slopes[key]}` })),
    { name: 'no failed request', ok: summary.failed === 0, detail: `${summary.failed} of ${summary.sent} ${JSON.stringify(summary.failedBy)}` },
    { name: 'no session lost', ok: summary.sessionsLost === 0 && lost.length === 0 && lost.unchecked.length === 0, detail: `401s: ${summary.sessionsLost}, invalid after: ${lost.length}, unchecked: ${lost.unchecked.length}` },
    { name: 'generator kept the rate', ok: load.dropped === 0, detail: `${load.dropped} requests not sent (in-flight cap)` },
  ];
  const result = {
    seconds: SECONDS, rate: RATE, warmupS: WARMUP_S, samples: samples.length, node: process.version,
    sent: summary.sent, failed: summary.failed, latencyMs: summary.latencyMs,
    slopes, bounds: BOUNDS,
    steadyStart: first, steadyEnd: last,
    pass: checks.every((c) => c.ok),
    checks,
  };
  writeFileSync(join(RUN_DIR, 'samples.jsonl'), `${samples.map((s) => JSON.stringify(s)).join('\n')}\n`);
  writeFileSync(join(RUN_DIR, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  const rowOf = (label, key, slopeKey, unit) => `| ${label} | ${first?.[key]} ${unit} | ${last?.[key]} ${unit} | ${slopes[slopeKey]} ${unit}/min |`;
  const md = [
    `# Soak: ${RATE} req/s for ${SECONDS} s (${summary.sent} requests, ${summary.failed} failed, p99 ${summary.latencyMs.p99} ms)`,
    '',
    `Slopes fitted over the samples after a ${WARMUP_S} s warm-up.`,
    '',
    '| measure | after warm-up | at the end | slope |',
    '|---|---:|---:|---:|',
    rowOf('RSS', 'rssMiB', 'rssMiBPerMin', 'MiB'),
    rowOf('heap used', 'heapMiB', 'heapMiBPerMin', 'MiB'),
    rowOf('event-loop lag', 'lagMs', 'lagMsPerMin', 'ms'),
    rowOf('event-loop lag p99', 'lagP99Ms', 'lagP99MsPerMin', 'ms'),
    rowOf('open fds (all)', 'fds', 'fdsPerMin', 'fds'),
    rowOf('open fds (own: all minus client connections)', 'ownFds', 'ownFdsPerMin', 'fds'),
    '',
    ...checks.map((c) => `- ${c.ok ? '✅' : '❌'} ${c.name}: ${c.detail}`),
    '',
  ].join('\n');
  writeFileSync(join(RUN_DIR, 'soak.md'), md);
  process.stdout.write(`\n${md}\nresults in ${RUN_DIR}\n`);
  process.exitCode = result.pass ? 0 : 1;
}

await main();
