// Counting over the load generator's records (start/end in ms on the run's clock) and the soak's samples.
import type { RequestRecord } from '../../harness/index.ts';

/** The fields of a request record that the counting reads. */
export type Outcome = Pick<RequestRecord, 'start' | 'end' | 'status' | 'error' | 'ok' | 'sessionLost' | 'user'>;

export interface Summary {
  sent: number;
  ok: number;
  failed: number;
  /** Failures by HTTP status or socket error code. */
  failedBy: Record<string, number>;
  /** Users who got a 401 while logged in. */
  sessionsLost: number;
  latencyMs: { p50: number; p99: number; max: number; failedMax: number };
}

export function round(value: number, digits = 0): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Nearest-rank percentile; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Why a request failed: its HTTP status, or the socket/client error code. */
export function outcome(record: Outcome): string {
  return record.status ? String(record.status) : (record.error ?? 'unknown');
}

const maxOf = (values: readonly number[], empty: number) => (values.length ? Math.max(...values) : empty);

/** Counts the records that started in [from, to). */
export function summarize(records: readonly Outcome[], from = -Infinity, to = Infinity): Summary {
  const inWindow = records.filter((r) => r.start >= from && r.start < to);
  const failures = inWindow.filter((r) => !r.ok);
  const failedBy: Record<string, number> = {};
  for (const r of failures) failedBy[outcome(r)] = (failedBy[outcome(r)] ?? 0) + 1;
  const latencies = inWindow.map((r) => r.end - r.start);
  return {
    sent: inWindow.length,
    ok: inWindow.length - failures.length,
    failed: failures.length,
    failedBy,
    sessionsLost: new Set(inWindow.filter((r) => r.sessionLost).map((r) => r.user)).size,
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(maxOf(latencies, Number.NaN)),
      failedMax: round(maxOf(failures.map((r) => r.end - r.start), 0)),
    },
  };
}

/**
 * Time from `since` until the service answered for good: the end of the first successful request
 * that started after the last failed one. 0 when nothing failed, Infinity when it never recovered.
 */
export function recoveryMs(records: readonly Outcome[], since: number): number {
  const failures = records.filter((r) => !r.ok);
  if (failures.length === 0) return 0;
  const lastFailureStart = Math.max(...failures.map((r) => r.start));
  const firstGood = records.filter((r) => r.ok && r.start > lastFailureStart).sort((a, b) => a.end - b.end)[0];
  if (!firstGood) return Infinity;
  return Math.max(0, round(firstGood.end - since));
}

/** The first failure that started at or after `since`, as ms from `since` to its end; undefined if none. */
export function firstFailureAfter(records: readonly Outcome[], since: number): number | undefined {
  const first = records.filter((r) => !r.ok && r.start >= since).sort((a, b) => a.end - b.end)[0];
  return first ? round(first.end - since) : undefined;
}

/** Least-squares slope of ys over xs, and the fit's intercept. */
export function linearFit(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN };
  const mean = (values: readonly number[]) => values.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? mx) - mx;
    sxy += dx * ((ys[i] ?? my) - my);
    sxx += dx ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
