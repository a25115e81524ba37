// Samples one app process while a fault runs: RSS and fds from /proc, active handles and the
// longest event-loop stall since the previous scrape from its /metrics, and whether its readiness
// probe would pass. Bounded: it stops after 2 min even if nobody calls stop().
import { ApiClient, fdCount, repeat, rssBytes, scrapeMetrics, type AppProcess, type Repeating } from '../../harness/index.ts';

export interface Sample {
  /** ms on the run's clock. */
  t: number;
  rss: number;
  fds: number;
  handles: number;
  /** The app's longest event-loop delay since the previous sample (prom-client resets it per scrape). */
  lagMs: number;
  /** /readyz status; 0 when it did not answer within a second. */
  ready: number;
}

export type Sampler = Repeating<Sample>;

export function sample(app: AppProcess, clock: () => number, { everyMs = 200 } = {}): Sampler {
  const probe = new ApiClient(app.url, { keepAlive: false, timeoutMs: 1000 });
  const sampling = repeat(
    async (): Promise<Sample> => {
      const t = clock();
      const [metrics, ready] = await Promise.all([
        scrapeMetrics(app.metricsUrl, ['nodejs_active_handles_total', 'nodejs_eventloop_lag_max_seconds']).catch(() => ({
          nodejs_active_handles_total: Number.NaN,
          nodejs_eventloop_lag_max_seconds: Number.NaN,
        })),
        probe.call('GET', '/readyz').then((res) => res.status, () => 0),
      ]);
      const pid = app.process.pid;
      return { t, rss: rssBytes(pid), fds: fdCount(pid), handles: metrics.nodejs_active_handles_total, lagMs: metrics.nodejs_eventloop_lag_max_seconds * 1000, ready };
    },
    { everyMs, maxMs: 120_000, until: () => !app.process.alive },
  );
  return { stop: () => sampling.stop().finally(() => probe.close()) };
}

/** The largest finite value of `key` over `samples`; NaN when there is none. */
export function peak(samples: readonly Sample[], key: 'rss' | 'fds' | 'handles' | 'lagMs'): number {
  const values = samples.map((s) => s[key]).filter(Number.isFinite);
  return values.length ? Math.max(...values) : Number.NaN;
}
