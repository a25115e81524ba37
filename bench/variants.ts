// The programs being measured: xwing (standalone Redis or Sentinel mode) and the baselines in
// variants/. Every one is started by the harness's startApp, pinned to the app CPU.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient, startApp, StopWaiting, waitFor, type AppProcess, type ProcessGroup, type RedisNode, type ReplicatedRedis } from '../harness/index.ts';
import { xwingEntry, type Settings } from './settings.ts';

const here = dirname(fileURLToPath(import.meta.url));

export type Headers = Record<string, string>;

export interface Variant {
  id: number;
  name: string;
  /** The measured route. */
  path: string;
  /** The baselines without a logger (1, 2) write nothing. */
  logs: boolean;
  /** xwing's Redis primary now, whose commands are counted; undefined for the baselines. */
  primary: (() => Promise<RedisNode>) | undefined;
  /** The Redis processes the variant uses (nodes and Sentinels), whose CPU time is counted. */
  redisPids(): number[];
  /** Started, ready, and pinned; `nodeOptions` are added to NODE_OPTIONS. */
  start(label: string, nodeOptions?: string[]): Promise<AppProcess>;
  /** Whatever the measured request needs (a logged-in user's credentials). */
  seed(client: ApiClient): Promise<Headers>;
}

export interface VariantContext {
  settings: Settings;
  group: ProcessGroup;
  redis: RedisNode;
  /** Present when variant 7 runs. */
  replicated: ReplicatedRedis | undefined;
  /** The image's runtime settings (Dockerfile ENV). */
  imageEnv: Record<string, string>;
}

const withNodeOptions = (env: Record<string, string | undefined>, nodeOptions: string[]) => ({
  ...env,
  NODE_OPTIONS: [env.NODE_OPTIONS, ...nodeOptions].filter(Boolean).join(' ') || undefined,
});

async function xwingLogin(client: ApiClient): Promise<Headers> {
  const user = await client.registerAndLogin(`bench-${process.pid}-${Date.now()}`, 'bench password');
  return { authorization: `Bearer ${user.token}` };
}

async function cacheHit(client: ApiClient): Promise<Headers> {
  const headers = await xwingLogin(client);
  await client.call('GET', '/profile', { headers });
  const second = await client.call('GET', '/profile', { headers });
  if (second.status !== 200 || second.headers['x-cache'] !== 'HIT') throw new Error(`/profile did not hit the cache (${second.status})`);
  return headers;
}

async function baselineLogin(client: ApiClient): Promise<Headers> {
  const login = await client.call('POST', '/auth/login');
  if (login.status !== 200) throw new Error(`baseline login answered ${login.status}`);
  const cookie = login.headers['set-cookie']?.[0]?.split(';')[0];
  return cookie ? { cookie } : { authorization: `Bearer ${(JSON.parse(login.body) as { token: string }).token}` };
}

/** The service as the image runs it (its runtime ENV), logging at info, with no shutdown delay to wait out. */
export function xwingEnv(ctx: VariantContext, redisEnv: Record<string, string>): Record<string, string | undefined> {
  return { ...redisEnv, LOG_LEVEL: 'info', SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '1000', ...ctx.imageEnv, ...ctx.settings.xwingExtraEnv };
}

export function defineVariants(ctx: VariantContext): Map<number, Variant> {
  const { settings, group } = ctx;
  const prefix = ['taskset', '-c', settings.appCpu];

  const standalonePids = () => [ctx.redis.process.pid];
  const xwing = (id: number, name: string, path: string, redis: { env: () => Record<string, string>; primary: () => Promise<RedisNode>; pids: () => number[] }, seed: Variant['seed']): Variant => ({
    id,
    name,
    path,
    logs: true,
    primary: redis.primary,
    redisPids: redis.pids,
    seed,
    start: (label, nodeOptions = []) =>
      startApp(group, { name: label, entry: xwingEntry(settings), env: withNodeOptions(xwingEnv(ctx, redis.env()), nodeOptions), prefix }),
  });
  const standalone = { env: () => ({ REDIS_URL: ctx.redis.url }), primary: () => Promise.resolve(ctx.redis), pids: standalonePids };
  const topology = () => {
    if (!ctx.replicated) throw new Error('variant 7 needs the replicated topology');
    return ctx.replicated;
  };
  const replicated = {
    env: () => topology().appEnv(),
    primary: () => topology().primary(),
    pids: () => [...topology().nodes, ...topology().sentinels].map((server) => server.process.pid),
  };

  // The collector of the traced variants: one OTLP receiver for the run, pinned to the load CPU.
  let sink: Promise<string> | undefined;
  const sinkEndpoint = () =>
    (sink ??= (async () => {
      const proc = group.spawn('otlp-sink', 'taskset', ['-c', settings.loadCpu, process.execPath, join(here, 'otlp-sink.ts')], { env: { PATH: process.env.PATH } });
      let endpoint: string | undefined;
      await waitFor('the OTLP sink listening', () => {
        if (!proc.alive) throw new StopWaiting(`the OTLP sink exited at start; see ${proc.logPath}`);
        endpoint = /otlp-sink listening on (\S+)/.exec(proc.output())?.[1];
        return endpoint !== undefined;
      }, { timeoutMs: 10_000 });
      return endpoint ?? '';
    })());
  /** xwing with tracing on, sampling `ratio` of the requests (none carries a traceparent), exporting to the sink. */
  const traced = (id: number, name: string, ratio: string): Variant => ({
    ...xwing(id, name, '/auth/session', standalone, xwingLogin),
    start: async (label, nodeOptions = []) => {
      const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: await sinkEndpoint(), OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio };
      return startApp(group, { name: label, entry: xwingEntry(settings), env: withNodeOptions({ ...xwingEnv(ctx, standalone.env()), ...tracing }, nodeOptions), prefix });
    },
  });

  const baseline = (id: number, name: string, file: string, logs: boolean, usesRedis: boolean, seed: Variant['seed']): Variant => ({
    id,
    name,
    path: '/auth/session',
    logs,
    primary: undefined,
    redisPids: () => (usesRedis ? standalonePids() : []),
    seed,
    start: async (label, nodeOptions = []) => {
      const env = { NODE_ENV: undefined, REDIS_URL: ctx.redis.url, LOG_LEVEL: 'info', XWING_DIST: dirname(xwingEntry(settings)) };
      // Not a readiness route: any answer means it listens (401 before a login).
      const ready = { path: '/auth/session', accept: () => true, intervalMs: 20 };
      return startApp(group, { name: label, entry: join(here, 'variants', file), env: withNodeOptions(env, nodeOptions), prefix, ready });
    },
  });

  const variants: Variant[] = [
    baseline(1, 'node:http, JSON', 'plain-http.mjs', false, false, () => Promise.resolve({})),
    baseline(2, 'Express 5, JSON', 'express.mjs', false, false, () => Promise.resolve({})),
    xwing(3, 'xwing GET /auth/session', '/auth/session', standalone, xwingLogin),
    xwing(4, 'xwing GET /profile (cache hit)', '/profile', standalone, cacheHit),
    baseline(5, 'express-session + connect-redis', 'express-session.mjs', true, true, baselineLogin),
    baseline(6, 'in-memory Map sessions', 'memory-sessions.mjs', true, false, baselineLogin),
    xwing(7, 'xwing GET /auth/session, Sentinel mode', '/auth/session', replicated, xwingLogin),
    baseline(8, 'common stack, same features', 'common-stack.mjs', true, true, baselineLogin),
    baseline(9, 'limit: Express 5 + one GETEX', 'getex-limit.mjs', false, true, baselineLogin),
    traced(10, 'xwing GET /auth/session, traced 100 %', '1'),
    traced(11, 'xwing GET /auth/session, traced 10 %', '0.1'),
  ];
  return new Map(variants.map((v) => [v.id, v]));
}
