import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface BuildInfo {
  version: string;
  commit: string;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A registry per app instance: tests get their own, and nothing leaks between them. */
export function createMetrics(build: BuildInfo, registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  const buildInfo = new Gauge({
    name: 'xwing_build_info',
    help: 'Always 1; labels say which build is running.',
    labelNames: ['version', 'commit', 'node_version'] as const,
    // In cluster mode the primary sums every worker's samples; this one must stay 1.
    aggregator: 'first',
    registers: [registry],
  });
  buildInfo.set({ version: build.version, commit: build.commit, node_version: process.version }, 1);
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sessionsCreated: new Counter({
      name: 'xwing_sessions_created_total',
      help: 'Sessions created by a successful login.',
      registers: [registry],
    }),
    sessionsRejected: new Counter({
      name: 'xwing_sessions_rejected_total',
      help: 'Requests refused for want of a valid session, by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    cacheHits: new Counter({ name: 'xwing_cache_hits_total', help: 'Cache lookups served from Redis.', registers: [registry] }),
    cacheMisses: new Counter({
      name: 'xwing_cache_misses_total',
      help: 'Cache lookups that had to wait for or run the expensive lookup.',
      registers: [registry],
    }),
    profileLookups: new Counter({
      name: 'xwing_profile_lookups_total',
      help: 'Expensive profile lookups actually run.',
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'xwing_rate_limited_total',
      help: 'Requests refused by a rate limiter.',
      labelNames: ['limiter'] as const,
      registers: [registry],
    }),
    redisErrors: new Counter({
      name: 'xwing_redis_errors_total',
      help: 'Redis commands that failed or timed out, by operation.',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
  };
}
