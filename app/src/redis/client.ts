import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.ts';
import type { Tracing } from '../telemetry/tracing.ts';

export type RedisSettings = Pick<
  Config,
  | 'REDIS_URL'
  | 'REDIS_PASSWORD'
  | 'REDIS_KEY_PREFIX'
  | 'REDIS_COMMAND_TIMEOUT_MS'
  | 'REDIS_CONNECT_TIMEOUT_MS'
  | 'REDIS_SENTINELS'
  | 'REDIS_SENTINEL_NAME'
>;

/**
 * With Sentinels, the client asks them for the primary on every (re)connect and checks the role
 * it finds (the ready check). Sentinel disconnects clients of a node it demotes, but a primary
 * that hangs instead of dying keeps its sockets open: the failover detector listens for
 * +switch-master on the Sentinels and drops the connection itself. The Sentinels share the data
 * nodes' password (the chart keeps one Secret), and only the data nodes speak TLS.
 */
function sentinelOptions(settings: RedisSettings, password: string | undefined): RedisOptions {
  if (!settings.REDIS_SENTINELS) return {};
  return {
    sentinels: settings.REDIS_SENTINELS,
    name: settings.REDIS_SENTINEL_NAME,
    role: 'master',
    failoverDetector: true,
    ...(password ? { sentinelPassword: password } : {}),
    enableTLSForSentinelMode: settings.REDIS_URL.startsWith('rediss://'),
    // ioredis's default never gives up, which is right, but grows no further than this either:
    // during a failover the Sentinels answer again within seconds.
    sentinelRetryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    // Without it a Sentinel that accepts the connection but never answers (hung, or its node cut
    // off after the handshake) holds every reconnect for good; with it the next Sentinel is asked.
    sentinelCommandTimeout: settings.REDIS_CONNECT_TIMEOUT_MS,
  };
}

function redisOptions(settings: RedisSettings): RedisOptions {
  const password = settings.REDIS_PASSWORD ?? (decodeURIComponent(new URL(settings.REDIS_URL).password) || undefined);
  return {
    keyPrefix: settings.REDIS_KEY_PREFIX,
    ...(settings.REDIS_PASSWORD ? { password: settings.REDIS_PASSWORD } : {}),
    ...sentinelOptions(settings, password),
    // A request must fail fast with a 503 rather than wait in a queue for a Redis that is gone.
    commandTimeout: settings.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: settings.REDIS_CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    // Commands in flight when a connection drops are failed at once rather than re-sent on the
    // next one, where a rate-limit count could land twice; the runner (runner.ts) decides what
    // may be sent again.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // A demoted primary refuses writes with READONLY: reconnect, and the runner sends them again.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    enableReadyCheck: true,
    // Concurrent requests share one write to the socket: fewer syscalls and round trips under load.
    enableAutoPipelining: true,
    // Without keep-alive a peer that vanished (node lost, network cut) can hang the socket for minutes.
    keepAlive: 10_000,
    // Keep-alive only probes an idle socket. While commands are outstanding (any traffic, even the
    // readiness PINGs) a black-holed connection just retransmits for ~15 minutes (tcp_retries2) and
    // every command on it times out. When nothing at all arrives for two command timeouts while
    // commands wait, the socket is dead: ioredis destroys it and the retry strategy connects afresh.
    socketTimeout: settings.REDIS_COMMAND_TIMEOUT_MS * 2,
    noDelay: true,
    // Capped low: after a failover the new primary is usually there within a second, and a long
    // back-off would outlast the hold (runner.ts) that keeps requests waiting for it.
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), 500),
    lazyConnect: true,
  };
}

/**
 * Connects again, after `delayMs`, whenever the client ends although `closing()` says the app did
 * not close it. ioredis 6.0 can end a Sentinel-mode client for good: the failover detector of a
 * connection whose socket was destroyed (the socket timeout, during a paused or hung primary) is
 * only replaced once the next connection is up, so a +switch-master that arrives while the client
 * is still asking the Sentinels for the primary aborts that connect ("Connection is closed.") and
 * the client ends, with nothing to reconnect it. Seen in a requested failover under load: the app
 * answered 503 until it was restarted.
 */
export function reconnectUnlessClosed(client: Redis, closing: () => boolean, onReconnect: () => void, delayMs = 100): void {
  client.on('end', () => {
    if (closing()) return;
    onReconnect();
    // Failures surface as the client's 'error' events, and a connect that ends again comes back here.
    setTimeout(() => {
      if (!closing() && client.status === 'end') client.connect().catch(() => undefined);
    }, delayMs);
  });
}

/** Creates the client without connecting; the caller decides when to connect. With `tracing`, its commands become spans. */
export function createRedis(settings: RedisSettings, name = 'xwing', tracing?: Tracing): Redis {
  const client = new Redis(settings.REDIS_URL, { ...redisOptions(settings), connectionName: name });
  tracing?.instrumentRedis(client);
  return client;
}
