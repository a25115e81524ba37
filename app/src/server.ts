import cluster from 'node:cluster';
import { hostname } from 'node:os';
import { createTerminus } from '@godaddy/terminus';
import { AggregatorRegistry } from 'prom-client';
import { createApp } from './app.ts';
import { runPrimary } from './cluster.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createReadiness, liveness } from './health/checks.ts';
import { probeListener } from './health/probes.ts';
import { identity } from './http/identity.ts';
import { listen, ListenError, LISTEN_FAILED_EXIT_CODE } from './http/listen.ts';
import { createHttpServer } from './http/server.ts';
import { createLogger } from './logging/logger.ts';
import { createMetrics } from './metrics/metrics.ts';
import { createMetricsServer } from './metrics/server.ts';
import { packageVersion } from './package-version.ts';
import { createRedis, reconnectUnlessClosed } from './redis/client.ts';
import { loadTracing } from './telemetry/tracing.ts';

/** Readiness must answer well inside the kubelet's probe timeout (1 s by default). */
const READINESS_REDIS_TIMEOUT_MS = 500;
/**
 * The last spans are exported while Redis quits, after the drain; the chart's grace period leaves
 * 5 s beyond delay and drain, and an unreachable collector must not use them all.
 */
const TRACE_FLUSH_TIMEOUT_MS = 2000;

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`xwing: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** A port that cannot be bound is reported like a bad setting: one line, no stack. */
function exitOnListenError(error: unknown): never {
  if (error instanceof ListenError) {
    process.stderr.write(`xwing: ${error.message}\n`);
    process.exit(LISTEN_FAILED_EXIT_CODE);
  }
  throw error;
}

async function runWorker(config: Config, clustered: boolean): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL);
  const servedBy = config.POD_NAME ?? hostname();
  const metrics = createMetrics({ version: packageVersion(), commit: config.BUILD_COMMIT });
  const tracing = await loadTracing(config, { logger, servedBy, version: packageVersion() });
  let redisClosing = false;
  const connect = (name: string) => {
    const client = createRedis(config, `xwing:${servedBy}:${process.pid}${name}`, tracing);
    client.on('error', (error: Error) => logger.warn({ connection: name || 'main', error: error.message }, 'redis connection error'));
    client.on('ready', () => logger.info({ connection: name || 'main' }, 'redis ready'));
    reconnectUnlessClosed(client, () => redisClosing, () => logger.warn({ connection: name || 'main' }, 'redis client ended unasked; connecting again'));
    // Start serving even if Redis is down: liveness stays green and readiness reports the outage.
    client.connect().catch((error: unknown) => logger.warn({ err: error }, 'redis not reachable yet; retrying'));
    return client;
  };
  const redis = connect('');
  // Logins and logouts wait for replicas on a connection of their own (see redis/durable.ts).
  const durableRedis = config.REDIS_WAIT_REPLICAS > 0 ? connect(':durable') : undefined;
  const redisClients = durableRedis ? [redis, durableRedis] : [redis];

  const app = createApp({ config, redis, ...(durableRedis ? { durableRedis } : {}), ...(tracing ? { tracing } : {}), logger, metrics, servedBy });
  let shuttingDown = false;
  const probes = probeListener({
    checks: {
      '/healthz': liveness,
      '/readyz': createReadiness({
        redis,
        timeoutMs: READINESS_REDIS_TIMEOUT_MS,
        graceMs: config.REDIS_READINESS_GRACE_MS,
        shuttingDown: () => shuttingDown,
        onChange: (state, detail) => logger[state === 'ok' ? 'info' : 'warn']({ redis: state, detail }, 'readiness: redis state changed'),
      }),
    },
    next: app,
    onError: (error) => logger.warn({ err: error }, 'health check failed'),
  });
  const server = createHttpServer(probes, config, servedBy);

  let metricsServer: ReturnType<typeof createMetricsServer> | undefined;
  if (clustered) {
    // The primary serves /metrics for all workers and asks each for its registry over IPC;
    // constructing an AggregatorRegistry is what installs prom-client's worker-side responder.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([metrics.registry]);
  } else {
    metricsServer = createMetricsServer(async () => ({
      contentType: metrics.registry.contentType,
      body: await metrics.registry.metrics(),
    }));
  }

  createTerminus(server, {
    signals: ['SIGTERM', 'SIGINT'],
    useExit0: true,
    timeout: config.SHUTDOWN_TIMEOUT_MS,
    // The probes are ours (health/probes.ts): terminus only runs the shutdown.
    logger: (message, error) => logger.warn({ err: error }, message),
    beforeShutdown: async () => {
      shuttingDown = true;
      logger.info({ delayMs: config.SHUTDOWN_DELAY_MS }, 'shutdown: readiness failing, still serving while endpoints update');
      await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DELAY_MS));
      logger.info('shutdown: closing listener and draining in-flight requests');
    },
    onSignal: async () => {
      metricsServer?.close();
      redisClosing = true;
      await Promise.all([
        ...redisClients.map((client) => client.quit().catch(() => client.disconnect())),
        tracing?.shutdown(TRACE_FLUSH_TIMEOUT_MS),
      ]);
    },
    onShutdown: () => {
      logger.info('shutdown: complete');
      logger.flush();
      return Promise.resolve();
    },
  });
  // Probes are answered before Express sees them; stamp them with the same headers.
  server.prependListener('request', identity(servedBy));

  await listen(server, config.PORT, 'PORT');
  if (metricsServer) await listen(metricsServer, config.METRICS_PORT, 'METRICS_PORT');
  logger.info(
    { port: config.PORT, metricsPort: clustered ? undefined : config.METRICS_PORT, servedBy, pid: process.pid },
    'xwing listening',
  );
}

const config = readConfig();
if (config.WEB_CONCURRENCY > 1 && cluster.isPrimary) {
  await runPrimary(config, createLogger(config.LOG_LEVEL)).catch(exitOnListenError);
} else {
  await runWorker(config, !cluster.isPrimary).catch(exitOnListenError);
}
