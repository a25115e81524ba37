// The soak (make soak): one app and its Redis under a steady mixed load (reads, cached profiles,
// CPU work, and login/logout churn that creates and deletes sessions) for SOAK_SECONDS (600 by
// default). Every SOAK_SAMPLE_SECONDS it records the app's RSS and open fds from /proc and its
// event-loop lag and heap from /metrics; after a warm-up it fits a line through each and fails
// when a slope shows growth (a leak) or when any request failed. Writes soak.json, soak.md,
// samples.jsonl and events.jsonl into results/<utc>-reliability-soak/.
//   SOAK_SECONDS, SOAK_RATE (50), SOAK_SAMPLE_SECONDS (5), RELIABILITY_SERVER
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, fdCount, inboundConnections, LoadGenerator, log, rssBytes, scrapeMetrics, sleep, startApp, startRedis } from '../harness/index.ts';
import { PASSWORD, SUITE_ENV } from './lib/context.ts';
import { openRun, preflight } from './lib/run.ts';
import { linearFit, round, summarize } from './lib/stats.ts';

const env = process.env;
const SECONDS = Number(env.SOAK_SECONDS ?? 600);
const RATE = Number(env.SOAK_RATE ?? 50);
const SAMPLE_S = Number(env.SOAK_SAMPLE_SECONDS ?? 5);
// The first part of the run is the JIT, the heap and the connection pools settling; fitting a
// line through it would call that a leak. At least three samples stay after it.
const WARMUP_S = Math.min(60, SECONDS * 0.2);
const MiB = 1024 * 1024;

/**
 * Per-minute growth a leak would show and a steady process would not. A 10-minute run at the
 * RSS bound would add 20 MiB; the fd bound means one leaked descriptor per two minutes.
 */
const BOUNDS = { rssMiBPerMin: 2, heapMiBPerMin: 1, lagMsPerMin: 0.5, ownFdsPerMin: 0.5 };

interface SoakSample {
  s: number;
  rssMiB: number;
  heapMiB: number;
  lagMs: number;
  lagP99Ms: number;
  fds: number;
  clientConns: number;
  /** fds minus client connections: what the app holds of its own. */
  ownFds: number;
  sent: number;
  failed: number;
}

type Slopes = Record<'rssMiBPerMin' | 'heapMiBPerMin' | 'lagMsPerMin' | 'lagP99MsPerMin' | 'ownFdsPerMin' | 'fdsPerMin', number>;

/**
 * Heap used is a sawtooth between collections (20 to 110 MiB at 50 req/s), and V8 may go a minute
 * or two without a major collection: a line fitted through it, or through each minute's lowest,
 * mostly says where the last tooth fell. The lowest value of a stretch is the best view of what
 * survives collection, and a leak raises it everywhere: compare the second half's lowest with the
 * first half's, per minute between the halves' middles.
 */
function heapFloorGrowth(steady: readonly SoakSample[]): number {
  const half = Math.floor(steady.length / 2);
  const first = steady.slice(0, half);
  const second = steady.slice(half);
  if (first.length === 0 || second.length === 0) return 0;
  const lowest = (samples: readonly SoakSample[]) => Math.min(...samples.map((s) => s.heapMiB));
  const middle = (samples: readonly SoakSample[]) => ((samples[0]?.s ?? 0) + (samples[samples.length - 1]?.s ?? 0)) / 2;
  const minutes = (middle(second) - middle(first)) / 60;
  return minutes > 0 ? round((lowest(second) - lowest(first)) / minutes, 3) : 0;
}

function slopesOf(steady: readonly SoakSample[]): Slopes {
  const slope = (key: keyof SoakSample) => round(linearFit(steady.map((s) => s.s / 60), steady.map((s) => s[key])).slope, 3);
  return {
    rssMiBPerMin: slope('rssMiB'), heapMiBPerMin: heapFloorGrowth(steady), lagMsPerMin: slope('lagMs'), lagP99MsPerMin: slope('lagP99Ms'),
    ownFdsPerMin: slope('ownFds'), fdsPerMin: slope('fds'),
  };
}

async function main(): Promise<void> {
  if (!(SECONDS >= 30)) throw new Error('SOAK_SECONDS must be at least 30');
  const entry = env.RELIABILITY_SERVER ?? 'dist';
  preflight({ netns: false, entry });
  const { group, events, runDir, stateDir, finish } = openRun('soak');
  try {
    const redis = await startRedis(group, { name: 'soak-redis', dir: join(stateDir, 'redis') });
    const app = await startApp(group, { name: 'soak-app', env: { ...SUITE_ENV, REDIS_URL: redis.url }, entry });
    const client = new ApiClient(app.url);
    const users = await client.createUsers('soak', 100, PASSWORD);
    const load = new LoadGenerator({
      backends: [{ name: 'app', url: app.url }], users, rate: RATE,
      mix: [['session', 5], ['profile', 3], ['work', 1], ['cycle', 1]],
      clock: () => events.ms(), maxDurationMs: SECONDS * 1000 + 60_000,
    });
    log(`soak: ${RATE} req/s for ${SECONDS} s, sampling every ${SAMPLE_S} s (warm-up ${WARMUP_S} s)`);
    events.event('soak-start', { rate: RATE, seconds: SECONDS });
    load.start();
    const samples: SoakSample[] = [];
    const started = performance.now();
    const pid = app.process.pid;
    while (performance.now() - started < SECONDS * 1000) {
      await sleep(SAMPLE_S * 1000);
      if (!app.process.alive) throw new Error('the app exited during the soak');
      const m = await scrapeMetrics(app.metricsUrl, ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']);
      const fds = fdCount(pid);
      const clientConns = inboundConnections(app.port);
      const sample: SoakSample = {
        s: round((performance.now() - started) / 1000, 1),
        rssMiB: round(rssBytes(pid) / MiB, 2),
        heapMiB: round(m.nodejs_heap_size_used_bytes / MiB, 2),
        lagMs: round(m.nodejs_eventloop_lag_seconds * 1000, 2),
        lagP99Ms: round(m.nodejs_eventloop_lag_p99_seconds * 1000, 2),
        fds,
        clientConns,
        ownFds: fds - clientConns,
        sent: load.records.length + load.inFlight,
        failed: load.records.filter((r) => !r.ok).length,
      };
      samples.push(sample);
      if (samples.length % 12 === 0) log(`soak: ${JSON.stringify(sample)}`);
    }
    const records = await load.stop();
    events.event('soak-end', { sent: records.length });
    const lost = await client.verifySessions(users);
    client.close();
    await group.stopAll();

    const steady = samples.filter((s) => s.s > WARMUP_S);
    const first = steady[0];
    const last = steady.at(-1);
    const summary = summarize(records);
    const slopes = slopesOf(steady);
    const checks = [
      ...Object.entries(BOUNDS).map(([key, bound]) => {
        const value = slopes[key as keyof typeof BOUNDS];
        return { name: `${key} ≤ ${bound}`, ok: steady.length >= 3 && value <= bound, detail: `${value}` };
      }),
      { name: 'no failed request', ok: summary.failed === 0, detail: `${summary.failed} of ${summary.sent} ${JSON.stringify(summary.failedBy)}` },
      {
        name: 'no session lost',
        ok: summary.sessionsLost === 0 && lost.lost.length === 0 && lost.unchecked.length === 0,
        detail: `401s: ${summary.sessionsLost}, invalid after: ${lost.lost.length}, unchecked: ${lost.unchecked.length}`,
      },
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
    writeFileSync(join(runDir, 'samples.jsonl'), `${samples.map((s) => JSON.stringify(s)).join('\n')}\n`);
    writeFileSync(join(runDir, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
    const rowOf = (label: string, key: keyof SoakSample, slopeKey: keyof Slopes, unit: string) =>
      `| ${label} | ${first?.[key] ?? '–'} ${unit} | ${last?.[key] ?? '–'} ${unit} | ${slopes[slopeKey]} ${unit}/min |`;
    const md = [
      `# Soak: ${RATE} req/s for ${SECONDS} s (${summary.sent} requests, ${summary.failed} failed, p99 ${summary.latencyMs.p99} ms)`,
      '',
      `Slopes fitted over the samples after a ${WARMUP_S} s warm-up.`,
      '',
      '| measure | after warm-up | at the end | slope |',
      '|---|---:|---:|---:|',
      rowOf('RSS', 'rssMiB', 'rssMiBPerMin', 'MiB'),
      rowOf('heap used (growth of its lowest, second half against first)', 'heapMiB', 'heapMiBPerMin', 'MiB'),
      rowOf('event-loop lag', 'lagMs', 'lagMsPerMin', 'ms'),
      rowOf('event-loop lag p99', 'lagP99Ms', 'lagP99MsPerMin', 'ms'),
      rowOf('open fds (all)', 'fds', 'fdsPerMin', 'fds'),
      rowOf('open fds (own: all minus client connections)', 'ownFds', 'ownFdsPerMin', 'fds'),
      '',
      ...checks.map((c) => `- ${c.ok ? '✅' : '❌'} ${c.name}: ${c.detail}`),
      '',
    ].join('\n');
    writeFileSync(join(runDir, 'soak.md'), md);
    process.stdout.write(`\n${md}\nresults in ${runDir}\n`);
    process.exitCode = result.pass ? 0 : 1;
  } finally {
    finish();
  }
}

await main();
