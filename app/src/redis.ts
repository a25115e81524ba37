import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config.ts';

/** Thrown by the stores when Redis cannot answer; the error middleware turns it into a 503. */
export class RedisUnavailableError extends Error {
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super(`redis unavailable during ${operation}`, { cause });
    this.name = 'RedisUnavailableError';
    this.operation = operation;
  }
}

/** Awaits a Redis call and re-throws any failure as a RedisUnavailableError naming the operation. */
export async function redisCall<T>(operation: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw new RedisUnavailableError(operation, error);
  }
}

export type RedisSettings = Pick<
  Config,
  'REDIS_URL' | 'REDIS_PASSWORD' | 'REDIS_KEY_PREFIX' | 'REDIS_COMMAND_TIMEOUT_MS' | 'REDIS_CONNECT_TIMEOUT_MS'
>;

function redisOptions(settings: RedisSettings): RedisOptions {
  return {
    keyPrefix: settings.REDIS_KEY_PREFIX,
    ...(settings.REDIS_PASSWORD ? { password: settings.REDIS_PASSWORD } : {}),
    // A request must fail fast with a 503 rather than wait in a queue for a Redis that is gone.
    commandTimeout: settings.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: settings.REDIS_CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
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
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), 2000),
    lazyConnect: true,
  };
}

/** Creates the client without connecting; the caller decides when to connect. */
export function createRedis(settings: RedisSettings, name = 'xwing'): Redis {
  return new Redis(settings.REDIS_URL, { ...redisOptions(settings), connectionName: name });
}
