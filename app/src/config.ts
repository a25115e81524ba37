import { isIP } from 'node:net';
import { z } from 'zod';

const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * Express accepts `true` for "trust proxy", which lets any client forge X-Forwarded-For and so
 * dodge per-client rate limits; we only accept a hop count or an explicit list of addresses,
 * subnets or Express's named ranges.
 */
const NAMED_PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const trustProxy = z
  .string()
  .default('false')
  .transform((value, ctx): false | number | string[] => {
    const trimmed = value.trim();
    if (trimmed === 'false' || trimmed === '') return false;
    if (/^\d+$/.test(trimmed)) return Number(trimmed);
    const entries = trimmed.split(',').map((entry) => entry.trim());
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const family = address ? isIP(address) : 0;
      // proxy-addr throws a TypeError at app start for /33 or /129: refuse it here, with its name.
      const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
      if (!NAMED_PROXY_RANGES.has(entry) && !(family !== 0 && validPrefix)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${entry}" is not a hop count, an IP address, a CIDR or one of ${[...NAMED_PROXY_RANGES].join(', ')} ("true" is refused on purpose)`,
        });
        return z.NEVER;
      }
    }
    return entries;
  });

/** An http:// or https:// URL: where spans are sent (OTLP over HTTP). */
const otlpUrl = z
  .string()
  .regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL')
  .refine((value) => URL.canParse(value), 'must be an http:// or https:// URL')
  .optional();

/** The samplers of the OpenTelemetry specification that need nothing but a ratio. */
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

const redisUrl = z
  .string()
  .default('redis://127.0.0.1:6379')
  .refine((value) => /^rediss?:\/\//.test(value) && URL.canParse(value), 'must be a redis:// or rediss:// URL');

/**
 * `host:port,host:port`: the Sentinels to ask for the primary. Hosts are names or IPv4 addresses,
 * or IPv6 addresses in brackets.
 */
const sentinelList = z
  .string()
  .optional()
  .transform((value, ctx): { host: string; port: number }[] | undefined => {
    if (value === undefined || value.trim() === '') return undefined;
    const sentinels: { host: string; port: number }[] = [];
    for (const entry of value.split(',').map((item) => item.trim())) {
      const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(entry);
      const host = match?.[1] ?? match?.[2];
      const port = Number(match?.[3]);
      if (!host || !(port >= 1 && port <= 65535) || (match?.[1] !== undefined && isIP(host) !== 6)) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port (IPv6 as [addr]:port)` });
        return z.NEVER;
      }
      sentinels.push({ host, port });
    }
    return sentinels;
  });

export const configSchema = z.object({
  PORT: integer(8080, 0, 65535).meta({ description: 'HTTP port of the API and the probes.' }),
  METRICS_PORT: integer(9464, 0, 65535).meta({ description: 'Port of `/metrics`.' }),
  REDIS_URL: redisUrl.meta({
    description:
      '`redis://` or `rediss://` (TLS) URL; may carry user and password. With Sentinels only its password, TLS and database are used.',
  }),
  REDIS_PASSWORD: z.string().optional().meta({ description: 'Redis password, when it is not in the URL.' }),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{0,64}$/).default('xwing:').meta({
    description:
      'Prefix of every Redis key, so that several deployments can share one Redis.',
  }),
  REDIS_COMMAND_TIMEOUT_MS: integer(1000, 10, 60_000).meta({
    description:
      'A Redis command that takes longer fails, and the request gets a 503. A command queued behind a stalled pipeline is timed only once that pipeline gives up, so a stalled request can take up to twice this.',
  }),
  REDIS_CONNECT_TIMEOUT_MS: integer(2000, 10, 60_000).meta({ description: 'TCP connect timeout to Redis; in Sentinel mode also how long a Sentinel may take to name the primary before the next one is asked.' }),
  REDIS_SENTINELS: sentinelList.meta({
    description:
      'Sentinel mode: comma-separated `host:port` of the Sentinels (IPv6 as `[addr]:port`). The app asks them for the primary and follows every failover.',
  }),
  REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('xwing').meta({
    description:
      'Name of the set the Sentinels monitor.',
  }),
  REDIS_FAILOVER_HOLD_MS: integer(5000, 0, 60_000).meta({
    description:
      'A request that meets a fresh Redis outage (a failover, a restart) waits this long for the connection to come back and is then served; once an outage is older, requests fail at once (503). 0 fails every request at once.',
  }),
  REDIS_READINESS_GRACE_MS: integer(15_000, 0, 600_000).meta({
    description:
      '`/readyz` stays ready while Redis has been unreachable for less than this, so that a failover or restart does not empty the Service.',
  }),
  REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).optional().meta({
    description:
      'Replicas that must confirm a login or logout (`WAIT`) before it is answered, else 503. Unset: 1 with Sentinels, 0 without.',
  }),
  REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).optional().meta({
    description:
      'How long a login or logout waits for its replicas; below REDIS_COMMAND_TIMEOUT_MS. Unset: half of REDIS_COMMAND_TIMEOUT_MS.',
  }),
  SESSION_TTL_SECONDS: integer(3600, 10, 30 * 24 * 3600).meta({
    description:
      'Sliding session lifetime: every authenticated request re-arms it.',
  }),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto').meta({
    description:
      'Secure flag of the session cookie; `auto` sets it when the request came over TLS (honouring TRUST_PROXY).',
  }),
  CACHE_TTL_SECONDS: integer(300, 1, 7 * 24 * 3600).meta({ description: 'Lifetime of a cached profile.' }),
  PROFILE_LOOKUP_MS: integer(200, 0, 60_000).meta({ description: 'Latency of the simulated expensive profile lookup behind the cache.' }),
  RATE_LIMIT_MAX: integer(600, 1, 10_000_000).meta({ description: 'API requests per client address per window, shared by all replicas.' }),
  RATE_LIMIT_WINDOW_SECONDS: integer(60, 1, 24 * 3600).meta({ description: 'API rate-limit window.' }),
  LOGIN_RATE_LIMIT_MAX: integer(10, 1, 10_000_000).meta({ description: 'Login attempts per client address and username per window.' }),
  LOGIN_RATE_LIMIT_WINDOW_SECONDS: integer(60, 1, 24 * 3600).meta({ description: 'Login rate-limit window.' }),
  PASSWORD_RATE_LIMIT_MAX: integer(60, 1, 10_000_000).meta({
    description:
      'Sign-ups plus logins per client address per window, whatever the usernames: each costs one scrypt hash.',
  }),
  PASSWORD_RATE_LIMIT_WINDOW_SECONDS: integer(60, 1, 24 * 3600).meta({ description: 'Password rate-limit window.' }),
  PASSWORD_SCRYPT_COST: integer(16_384, 1024, 1_048_576).refine(
    (value) => (value & (value - 1)) === 0,
    'must be a power of two',
  ).meta({ description: 'scrypt N (r=8, p=1): higher is slower to log in and to brute-force.' }),
  WORK_MAX_MS: integer(2000, 1, 60_000).meta({ description: 'Largest `ms` accepted by `GET /work`.' }),
  SHUTDOWN_DELAY_MS: integer(5000, 0, 120_000).meta({
    description:
      'After SIGTERM, readiness fails at once and the process keeps serving this long while endpoints update.',
  }),
  SHUTDOWN_TIMEOUT_MS: integer(10_000, 0, 120_000).meta({
    description:
      'After the delay, how long in-flight requests may take before their sockets are closed.',
  }),
  KEEP_ALIVE_TIMEOUT_MS: integer(65_000, 1000, 600_000).meta({
    description:
      'Idle keep-alive timeout; longer than the idle timeout of any proxy in front (often 60 seconds).',
  }),
  HEADERS_TIMEOUT_MS: integer(15_000, 1000, 600_000).meta({
    description:
      'Time limit for receiving the request headers; at most REQUEST_TIMEOUT_MS.',
  }),
  REQUEST_TIMEOUT_MS: integer(30_000, 1000, 600_000).meta({ description: 'Time limit for receiving a whole request.' }),
  MAX_REQUESTS_PER_SOCKET: integer(1000, 0, 10_000_000).meta({
    description:
      'Requests per keep-alive connection before it is closed, so that long-lived clients rebalance onto new replicas (0: no cap).',
  }),
  TRUST_PROXY: trustProxy.meta({
    description:
      'Which proxies may set X-Forwarded-For: a hop count, or a comma-separated list of addresses, CIDRs and `loopback`, `linklocal`, `uniquelocal`. `true` is refused: any client could forge its address and dodge rate limits. Behind an ingress or load balancer set it (e.g. 1), or every client shares one rate-limit bucket.',
  }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').meta({
    description:
      'pino log level.',
  }),
  ALLOW_REGISTRATION: booleanFlag(true).meta({ description: 'Whether `POST /auth/register` is open (else 403).' }),
  WEB_CONCURRENCY: integer(1, 1, 64).meta({
    description:
      'Worker processes; more than 1 runs Node\'s cluster mode (for VMs; in Kubernetes keep 1 and add pods).',
  }),
  BUILD_COMMIT: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('unknown').meta({
    description:
      'The commit shown in `xwing_build_info`.',
  }),
  POD_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,253}$/).optional().meta({
    description:
      'The `X-Served-By` value; the host name when unset.',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.meta({
    description:
      'Turns tracing on: the OTLP/HTTP endpoint of a collector (e.g. `http://otel-collector:4318`); spans go to its `/v1/traces` as JSON. Unset (and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT unset): no tracing code is loaded at all.',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.meta({
    description:
      'Turns tracing on too: the full URL spans are posted to, used as is; wins over OTEL_EXPORTER_OTLP_ENDPOINT.',
  }),
  OTEL_SERVICE_NAME: z.string().min(1).max(128).default('xwing').meta({
    description: 'The `service.name` of every span.',
  }),
  OTEL_TRACES_SAMPLER: z.enum(TRACE_SAMPLERS).default('parentbased_always_on').meta({
    description:
      'Which requests are traced. `parentbased_*` follow a sampled or unsampled `traceparent` the request brings, and decide by the rest of the name for requests without one; `traceidratio` keeps OTEL_TRACES_SAMPLER_ARG of them.',
  }),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1).meta({
    description: 'The ratio (0 to 1) of traces the `*traceidratio` samplers keep.',
  }),
});

/**
 * With Sentinel there are replicas to confirm a session write; a standalone Redis has none. WAIT
 * gives up at half the command timeout by default, so that it always ends before its command does.
 */
export type Config = Omit<z.infer<typeof configSchema>, 'REDIS_WAIT_REPLICAS' | 'REDIS_WAIT_TIMEOUT_MS'> & {
  REDIS_WAIT_REPLICAS: number;
  REDIS_WAIT_TIMEOUT_MS: number;
};

export class ConfigError extends Error {
  readonly variables: string[];

  constructor(issues: z.core.$ZodIssue[]) {
    const lines = issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    super(`invalid configuration:\n  ${lines.join('\n  ')}`);
    this.name = 'ConfigError';
    this.variables = issues.map((issue) => issue.path.join('.'));
  }
}

/** Reads and validates the configuration once; unset and empty variables take their defaults. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const present = Object.fromEntries(
    Object.keys(configSchema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues);
  const config: Config = {
    ...parsed.data,
    REDIS_WAIT_REPLICAS: parsed.data.REDIS_WAIT_REPLICAS ?? (parsed.data.REDIS_SENTINELS ? 1 : 0),
    REDIS_WAIT_TIMEOUT_MS: parsed.data.REDIS_WAIT_TIMEOUT_MS ?? Math.floor(parsed.data.REDIS_COMMAND_TIMEOUT_MS / 2),
  };
  const conflicts: z.core.$ZodIssue[] = [];
  if (config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS) {
    conflicts.push({ code: 'custom', path: ['HEADERS_TIMEOUT_MS'], message: 'must not exceed REQUEST_TIMEOUT_MS', input: config.HEADERS_TIMEOUT_MS });
  }
  if (config.PORT !== 0 && config.PORT === config.METRICS_PORT) {
    conflicts.push({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT', input: config.METRICS_PORT });
  }
  // WAIT must give up before the command that carries it times out, or every unconfirmed write
  // would read as a lost connection instead of as "no replica confirmed".
  if (config.REDIS_WAIT_REPLICAS > 0 && config.REDIS_WAIT_TIMEOUT_MS >= config.REDIS_COMMAND_TIMEOUT_MS) {
    conflicts.push({ code: 'custom', path: ['REDIS_WAIT_TIMEOUT_MS'], message: 'must be below REDIS_COMMAND_TIMEOUT_MS', input: config.REDIS_WAIT_TIMEOUT_MS });
  }
  if (conflicts.length > 0) throw new ConfigError(conflicts);
  return config;
}
