import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from './config.ts';
import { listen, LISTEN_FAILED_EXIT_CODE } from './http/listen.ts';
import { createMetricsServer } from './metrics/server.ts';

/** More restarts than this within the window means the workers crash-loop: give up and let the supervisor see it. */
const MAX_RESTARTS = 10;
const RESTART_WINDOW_MS = 60_000;

/**
 * For VMs and bare metal: fork WEB_CONCURRENCY workers that share the port, replace any that dies,
 * serve /metrics aggregated over all of them, and pass SIGTERM on for each to drain by itself.
 * In Kubernetes one process per pod is the default: the HPA and the Service do this job there.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const aggregator = new AggregatorRegistry();
  const metricsServer = createMetricsServer(async () => ({
    contentType: aggregator.contentType,
    body: await aggregator.clusterMetrics(),
  }));
  await listen(metricsServer, config.METRICS_PORT, 'METRICS_PORT');

  let stopping = false;
  const restarts: number[] = [];

  const fork = (): Worker => cluster.fork();
  for (let i = 0; i < config.WEB_CONCURRENCY; i += 1) fork();

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        metricsServer.close();
        logger.info('primary: all workers stopped');
        process.exit(0);
      }
      return;
    }
    // A worker that cannot take the port says so and exits 69; a replacement could not either.
    if (code === LISTEN_FAILED_EXIT_CODE) {
      logger.fatal({ pid: worker.process.pid }, 'primary: a worker could not listen on PORT; exiting');
      process.exit(LISTEN_FAILED_EXIT_CODE);
    }
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > MAX_RESTARTS) {
      logger.fatal({ restarts: restarts.length }, 'primary: workers keep dying; exiting');
      process.exit(1);
    }
    logger.warn({ pid: worker.process.pid, code, signal }, 'primary: worker died; forking a replacement');
    fork();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'primary: stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    // Workers drain for SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS at most; never outlive that by much.
    setTimeout(() => {
      logger.error('primary: workers did not stop in time');
      process.exit(1);
    }, config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS + 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
