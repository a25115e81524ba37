// What the dashboard test and the dashboard picture run: Redis, two app processes (`node
// dist/server.js`) and a Prometheus that scrapes them as the chart's ServiceMonitor would, then
// traffic that touches every panel: API load, sessions refused, a login rate limit, and a Redis
// stall long enough for commands to time out (5xx and Redis errors).
import { join } from 'node:path';
import {
  ApiClient,
  LoadGenerator,
  REPO_ROOT,
  sleep,
  startApp,
  startRedis,
  type AppProcess,
  type ProcessGroup,
  type RedisNode,
  type RequestRecord,
} from '../../harness/index.ts';
import { startPrometheus, type PrometheusServer, type ReleaseLabels } from './prometheus.ts';

/** The release the loopback run stands for: release "xwing" in namespace "xwing" (Service "xwing"). */
export const RELEASE: ReleaseLabels = { namespace: 'xwing', service: 'xwing', container: 'api', endpoint: 'metrics' };
export const PODS = ['xwing-7d9f8c6b5-k2x9q', 'xwing-7d9f8c6b5-p4m7w'] as const;
const SCRAPE_INTERVAL_SECONDS = 1;
/** The chart's rules as `make test-rules` rendered them; the stack's Prometheus evaluates them. */
export const RULES_FILE = join(REPO_ROOT, '.run', 'ops', 'rules.yaml');

/**
 * Logins per address and username per minute: above what the load's login cycles give one user,
 * below what the refused logins give theirs.
 */
const LOGIN_LIMIT = 30;
/** The user whose password the refused logins keep getting wrong; never registered. */
const INTRUDER = 'ops-intruder';

export interface OpsStack {
  redis: RedisNode;
  apps: AppProcess[];
  prometheus: PrometheusServer;
}

export async function startOpsStack(group: ProcessGroup, dir: string): Promise<OpsStack> {
  const redis = await startRedis(group, { name: 'redis', dir: join(dir, 'redis') });
  const apps = await Promise.all(
    PODS.map((pod) =>
      startApp(group, {
        name: pod,
        env: {
          REDIS_URL: redis.url,
          // A stalled Redis shows within the run: commands time out fast and fail at once.
          REDIS_COMMAND_TIMEOUT_MS: '250',
          REDIS_FAILOVER_HOLD_MS: '0',
          LOGIN_RATE_LIMIT_MAX: String(LOGIN_LIMIT),
          // Short-lived cache entries, so that the hit ratio is neither 0 nor 1.
          CACHE_TTL_SECONDS: '3',
          PROFILE_LOOKUP_MS: '50',
        },
      }),
    ),
  );
  const prometheus = await startPrometheus(group, {
    dir: join(dir, 'prometheus'),
    targets: apps.map((app) => ({ pod: app.name, address: `127.0.0.1:${app.metricsPort}` })),
    release: RELEASE,
    scrapeIntervalSeconds: SCRAPE_INTERVAL_SECONDS,
    ruleFiles: [RULES_FILE],
  });
  await prometheus.waitForTargets(20_000);
  return { redis, apps, prometheus };
}

export interface TrafficOptions {
  durationMs: number;
  /** Requests per second of the main load. */
  rate: number;
  /** When the Redis stall starts, from the start of the load, and how long it lasts. */
  stallAtMs: number;
  stallMs: number;
}

export interface TrafficSummary {
  records: RequestRecord[];
  refusals: Record<string, number>;
}

/**
 * Requests the main load never makes, a few a second for the whole run: no token, a malformed
 * token, an unknown token, a login with a wrong password (which soon meets the login limit), and
 * a 404.
 * Bounded by count and by the deadline.
 */
async function refusals(client: ApiClient, deadline: number, statuses: Record<string, number>): Promise<void> {
  const count = (status: number) => (statuses[String(status)] = (statuses[String(status)] ?? 0) + 1);
  for (let i = 0; i < 500 && performance.now() < deadline; i++) {
    const results = await Promise.allSettled([
      client.call('GET', '/profile'),
      client.call('GET', '/auth/session', { token: 'not-a-token' }),
      client.call('GET', '/auth/session', { token: 'A'.repeat(43) }),
      client.call('POST', '/auth/login', { body: { username: INTRUDER, password: 'wrong password' } }),
      client.call('GET', '/no/such/route'),
    ]);
    for (const result of results) count(result.status === 'fulfilled' ? result.value.status : 0);
    await sleep(400);
  }
}

export async function driveTraffic(stack: OpsStack, options: TrafficOptions): Promise<TrafficSummary> {
  const setup = new ApiClient(stack.apps[0]?.url ?? '', { timeoutMs: 5000 });
  // The load picks users and operations round-robin: a user count prime to the mix's 9 spreads each
  // operation, the login cycles included, over every user.
  const users = await setup.createUsers('ops', 25, 'a password for the ops test');
  const load = new LoadGenerator({
    backends: stack.apps.map((app) => ({ name: app.name, url: app.url })),
    users,
    rate: options.rate,
    mix: [['session', 4], ['profile', 3], ['work', 1], ['cycle', 1]],
    workMs: 15,
    timeoutMs: 3000,
    maxDurationMs: options.durationMs,
  });
  const refusalClients = stack.apps.map((app) => new ApiClient(app.url, { timeoutMs: 3000 }));
  const deadline = performance.now() + options.durationMs;
  const refused: Record<string, number> = {};
  try {
    load.start();
    const side = Promise.all(refusalClients.map((client) => refusals(client, deadline, refused)));
    await sleep(options.stallAtMs);
    await stack.redis.kill('SIGSTOP');
    try {
      await sleep(options.stallMs);
    } finally {
      await stack.redis.kill('SIGCONT');
    }
    await sleep(Math.max(0, deadline - performance.now()));
    const records = await load.stop();
    await side;
    return { records, refusals: refused };
  } finally {
    setup.close();
    for (const client of refusalClients) client.close();
  }
}
