// The results (results.json) and the Markdown table, its footnotes and the goals (results.md).
import { describe, total } from './commandstats.ts';
import type { ColdStarts } from './cold-start.ts';
import type { ImageSize, Machine } from './machine.ts';
import type { Run } from './round.ts';
import type { Settings } from './settings.ts';
import { fmt, spread, triple } from './stats.ts';

export interface VariantResults {
  name: string;
  runs: (Run | { round: number; error: string })[];
  summary?: Summary;
  profile?: unknown;
}

export interface Results {
  startedAt: string;
  settings: Settings & { xwingImageEnv: Record<string, string> };
  machine: Machine;
  xwingRoot: string;
  xwingCommit: string;
  variants: Record<number, VariantResults>;
  coldStart?: Omit<ColdStarts, 'failed'>;
  image?: ImageSize;
  finishedAt?: string;
  loadAverageAtEnd?: number[];
  failed?: boolean;
}

const good = (runs: VariantResults['runs']): Run[] => runs.filter((r): r is Run => !('error' in r));

function summaryOf(runs: Run[]) {
  const of = (pick: (r: Run) => number | undefined) => spread(runs.map(pick));
  return {
    rps: of((r) => r.saturation.rps),
    p50Ms: of((r) => r.fixed?.p50Ms),
    p99Ms: of((r) => r.fixed?.p99Ms),
    cpuUs: of((r) => r.fixed?.cpuUsPerRequest),
    cpuUsSaturated: of((r) => r.saturation.cpuUsPerRequest),
    rssMb: of((r) => r.peakRssMb),
    appCpuPercent: of((r) => r.saturation.appCpuShare * 100),
    loadCpuPercent: of((r) => r.saturation.loadCpuShare * 100),
    redisCpuUs: of((r) => (r.redis ? r.saturation.redisCpuUsPerRequest : undefined)),
    redisSent: of((r) => r.redis && total(r.redis.sent)),
    redisUnderLoad: of((r) => r.redis && total(r.redis.underLoad)),
    ratioToV2: undefined as number | undefined,
  };
}

type Summary = ReturnType<typeof summaryOf>;
type Measure = Exclude<keyof Summary, 'ratioToV2'>;

export function summarise(results: Results): Map<number, Summary> {
  const summaries = new Map(Object.entries(results.variants).map(([id, variant]) => [Number(id), (variant.summary = summaryOf(good(variant.runs)))]));
  const base = summaries.get(2)?.rps?.median;
  for (const summary of summaries.values()) summary.ratioToV2 = base && summary.rps ? summary.rps.median / base : undefined;
  return summaries;
}

/**
 * Throughput of variant `a` over variant `b`, of the medians and per round (each round runs both,
 * one after the other, so a round's ratio shares its machine's state); and the inverse ratio of
 * their CPU µs per request at saturation, which a busy load CPU or neighbour distorts far less.
 */
function ratios(results: Results, s: Map<number, Summary>, a: number, b: number): { overall: number | undefined; rounds: number[]; byCpu: number | undefined } {
  const [rpsA, rpsB] = [s.get(a)?.rps?.median, s.get(b)?.rps?.median];
  const [cpuA, cpuB] = [s.get(a)?.cpuUsSaturated?.median, s.get(b)?.cpuUsSaturated?.median];
  const byRound = (id: number) => new Map(good(results.variants[id]?.runs ?? []).map((r) => [r.round, r.saturation.rps]));
  const [ra, rb] = [byRound(a), byRound(b)];
  const rounds = [...ra].flatMap(([round, rps]) => (rb.has(round) ? [rps / (rb.get(round) ?? rps)] : []));
  return { overall: rpsA && rpsB ? rpsA / rpsB : undefined, rounds, byCpu: cpuA && cpuB ? cpuB / cpuA : undefined };
}

/** Met only if both ratios say so: either alone can flatter (a generator-bound baseline, or a busy app CPU). */
const atLeast = (r: ReturnType<typeof ratios>, goal: number): boolean | undefined =>
  r.overall === undefined || r.byCpu === undefined ? undefined : r.overall >= goal && r.byCpu >= goal;

const ratioText = (r: ReturnType<typeof ratios>) =>
  `×${fmt(r.overall, 2)} by throughput (by round ${r.rounds.map((x) => fmt(x, 2)).join(', ') || '–'}), ×${fmt(r.byCpu, 2)} by CPU µs per request at saturation`;

export function report(results: Results, s: Map<number, Summary>, rate: number | undefined): string {
  const { settings, machine: m } = results;
  const ids = [...settings.variants].sort((a, b) => a - b);
  const name = (id: number) => results.variants[id]?.name ?? `variant ${id}`;
  const lines = [
    `| # | variant | req/s at saturation, median (min–max) | × v2 | app CPU % at saturation | p50 ms at ${rate}/s | p99 ms at ${rate}/s | CPU µs/req at ${rate}/s | CPU µs/req at saturation | peak RSS MB |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...ids.map((id) => {
      const v = s.get(id);
      return `| ${id} | ${name(id)} | ${triple(v?.rps)} | ${fmt(v?.ratioToV2, 2)} | ${fmt(v?.appCpuPercent?.median)} | ${triple(v?.p50Ms, 2)} | ${triple(v?.p99Ms, 2)} | ${triple(v?.cpuUs)} | ${triple(v?.cpuUsSaturated)} | ${triple(v?.rssMb)} |`;
    }),
    '',
    `${settings.rounds} rounds, a fresh process per round and variant, ${settings.durationSeconds} s per measurement after ${settings.warmupSeconds} s of warm-up, ${settings.connections} connections, no pipelining; generator ${m.generator}, the same for saturation and for the fixed rate (wrk-rate.lua). CPU µs/req and peak RSS are the app process's (/proc utime+stime, VmHWM); app CPU % below ~95 means something other than the app limited throughput.`,
    `Fixed rate: ${settings.fixedRateFrom ?? 'BENCH_RATE'}.`,
    `Redis: one redis-server for variants 3–6, 8 and 9; variant 7 in Sentinel mode against 3 redis-server (a primary, 2 replicas) and 3 Sentinels, every node with the shared charts/xwing/files/redis.conf (append-only, fsync every second).`,
    `xwing ${results.xwingCommit}. Machine: ${m.cpu ?? '?'}, ${m.cpus} CPUs, Linux ${m.kernel}, Node ${m.node}, Redis ${m.redis ?? '?'}; ${m.pinning}; niceness ${m.niceness}; load average at start ${m.loadAverage.join(' ')}, at end ${(results.loadAverageAtEnd ?? []).join(' ')}.`,
    `xwing runs with the image's runtime settings (Dockerfile ENV): ${Object.entries(settings.xwingImageEnv).map(([k, v]) => `${k}=${v}`).join(' ')}${Object.keys(settings.xwingExtraEnv).length ? `, plus BENCH_XWING_ENV ${Object.entries(settings.xwingExtraEnv).map(([k, v]) => `${k}=${v}`).join(',')}` : ''}.`,
  ];
  const cold = results.coldStart;
  if (cold) {
    lines.push(
      `Cold start (spawn → first /readyz 200), median (min–max) of ${settings.coldStarts}: with a V8 compile cache as in the image ${triple(cold.cached.wallMs)} ms, ${fmt(cold.cached.cpuMs.median)} ms CPU; without one ${triple(cold.uncached.wallMs)} ms, ${fmt(cold.uncached.cpuMs.median)} ms CPU.`,
    );
  }
  const image = results.image;
  if (image) lines.push('bytes' in image ? `Image ${image.image}: ${image.mb} MB.` : `Image: skipped (${image.skipped}).`);

  const redisIds = ids.filter((id) => good(results.variants[id]?.runs ?? []).some((r) => r.redis));
  if (redisIds.length) {
    lines.push('', 'Redis commands per request on the primary: sent by the app (MONITOR, 100 requests in a row after the round, the lines of its own connections), and counted during the saturation round (INFO commandstats, where the commands a Lua script calls count too, and so do Sentinel\'s and the replicas\' own):');
    for (const id of redisIds) {
      const first = good(results.variants[id]?.runs ?? []).find((r) => r.redis)?.redis;
      if (!first) continue;
      lines.push(`- v${id}: sent ${triple(s.get(id)?.redisSent, 3)} (${describe(first.sent)}); during the round ${triple(s.get(id)?.redisUnderLoad, 3)} (${describe(first.underLoad)})`);
    }
  }

  const v = (id: number, key: Measure) => s.get(id)?.[key]?.median;
  const sentinel = ratios(results, s, 7, 3);
  const toLimit = ratios(results, s, 3, 9);
  const toCommon = ratios(results, s, 3, 8);
  if (sentinel.overall !== undefined) {
    const pair = (key: Measure, digits = 0) => `${fmt(v(3, key), digits)} vs ${fmt(v(7, key), digits)}`;
    lines.push(
      '',
      `Sentinel mode (v7) against standalone (v3), medians at saturation: throughput ×${fmt(sentinel.overall, 3)} (by round ${sentinel.rounds.map((r) => fmt(r, 3)).join(', ')}); app CPU ${pair('appCpuPercent')} %; load CPU busy ${pair('loadCpuPercent')} %; CPU µs per request, the app ${pair('cpuUsSaturated')} (${pair('cpuUs')} at ${rate}/s), all Redis processes (nodes and Sentinels) ${pair('redisCpuUs')}.`,
    );
  }
  const ratio = (a: number, b: number) => (v(a, 'rps') && v(b, 'rps') ? (v(a, 'rps') ?? 0) / (v(b, 'rps') ?? 1) : undefined);
  const has = (...want: number[]) => want.every((id) => s.get(id)?.rps);
  const goal = (text: string, ok: boolean | undefined) => `- ${ok === undefined ? '–' : ok ? 'met' : 'MISSED'}: ${text}`;
  const rssMax = Math.max(v(3, 'rssMb') ?? 0, v(4, 'rssMb') ?? 0);
  const oneCommand = [3, 7].filter((id) => v(id, 'redisSent') !== undefined);
  lines.push(
    '',
    'Goals (issue 5; Sentinel mode: issue 12; against the limit and the common stack, p99 at half of xwing\'s saturation: issue 15):',
    goal(`v3 ≥ 0.7 × v9, the architecture's limit, by both ratios: ${ratioText(toLimit)}`, atLeast(toLimit, 0.7)),
    goal(`v3 ≥ 3 × v8, the common stack with the same features, by both ratios: ${ratioText(toCommon)}`, atLeast(toCommon, 3)),
    goal(`v3 ≥ 0.5 × v2 throughput (${fmt(ratio(3, 2), 2)})`, has(2, 3) ? (ratio(3, 2) ?? 0) >= 0.5 : undefined),
    goal(`v3 ≥ 1.5 × v5 throughput (${fmt(ratio(3, 5), 2)})`, has(3, 5) ? (ratio(3, 5) ?? 0) >= 1.5 : undefined),
    goal(`v3 p99 ≤ 5 ms at ${rate}/s (${fmt(v(3, 'p99Ms'), 2)} ms)`, has(3) && v(3, 'p99Ms') !== undefined ? (v(3, 'p99Ms') ?? 0) <= 5 : undefined),
    goal(`v4 within 15 % of v3 (${fmt(ratio(4, 3), 2)})`, has(3, 4) ? Math.abs((ratio(4, 3) ?? 0) - 1) <= 0.15 : undefined),
    goal(`xwing peak RSS ≤ 150 MB (${fmt(rssMax)} MB)`, has(3) ? rssMax <= 150 : undefined),
    goal(
      `cold start ≤ 500 ms, as the image starts (${fmt(cold?.cached.wallMs.median)} ms; ${fmt(cold?.uncached.wallMs.median)} ms without a compile cache)`,
      cold?.cached.wallMs.median === undefined ? undefined : cold.cached.wallMs.median <= 500,
    ),
    goal(
      `v7 (Sentinel mode) ≥ 0.95 × v3 throughput (${fmt(sentinel.overall, 3)}; by round ${sentinel.rounds.map((r) => fmt(r, 3)).join(', ') || '–'})`,
      sentinel.overall === undefined ? undefined : sentinel.overall >= 0.95,
    ),
    goal(
      `one Redis command sent per GET /auth/session (${oneCommand.map((id) => `v${id} ${fmt(v(id, 'redisSent'), 3)}`).join(', ') || '–'})`,
      oneCommand.length ? oneCommand.every((id) => Math.abs((v(id, 'redisSent') ?? 0) - 1) < 0.005) : undefined,
    ),
  );
  return lines.join('\n');
}
