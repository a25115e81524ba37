// Counting over the generator's records (t0/t1 in ms on the generator's clock) and the soak's samples.

/** Nearest-rank percentile of a list of numbers; NaN for an empty list. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Why a request failed: its HTTP status, or the socket/client error code. */
export function outcome(record) {
  return record.status ? String(record.status) : record.error ?? 'unknown';
}

/** Counts the records that started in [from, to). */
export function summarize(records, from = -Infinity, to = Infinity) {
  const inWindow = records.filter((r) => r.t0 >= from && r.t0 < to);
  const failures = inWindow.filter((r) => !r.ok);
  const failedBy = {};
  for (const r of failures) failedBy[outcome(r)] = (failedBy[outcome(r)] ?? 0) + 1;
  const latencies = inWindow.map((r) => r.t1 - r.t0);
  return {
    sent: inWindow.length,
    ok: inWindow.length - failures.length,
    failed: failures.length,
    failedBy,
    sessionsLost: new Set(inWindow.filter((r) => r.sessionLost).map((r) => r.user)).size,
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies.length ? Math.max(...latencies) : Number.NaN),
      failedMax: round(failures.length ? Math.max(...failures.map((r) => r.t1 - r.t0)) : 0),
    },
  };
}

/**
 * Time from `since` until the service answered for good: the end of the first successful request
 * that started after the last failed one. 0 when nothing failed, Infinity when it never recovered.
 */
export function recoveryMs(records, since) {
  const failures = records.filter((r) => !r.ok);
  if (failures.length === 0) return 0;
  const lastFailureStart = Math.max(...failures.map((r) => r.t0));
  const firstGood = records.filter((r) => r.ok && r.t0 > lastFailureStart).sort((a, b) => a.t1 - b.t1)[0];
  if (!firstGood) return Infinity;
  return Math.max(0, round(firstGood.t1 - since));
}

/** First failure that started at or after `since`, as ms after `since` (undefined if none). */
export function firstFailureAfter(records, since) {
  const first = records.filter((r) => !r.ok && r.t0 >= since).sort((a, b) => a.t1 - b.t1)[0];
  return first ? round(first.t1 - since) : undefined;
}

/** Least-squares slope of ys over xs, and the fit's intercept. */
export function linearFit(xs, ys) {
  const n = xs.length;
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export function round(value, digits = 0) {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
