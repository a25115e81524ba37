// The baselines log through the service's own compiled logger and request-log middleware (XWING_DIST), so
// that the logging cost is the same in every variant that logs.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

export async function xwingLogging() {
  const dist = process.env.XWING_DIST;
  if (!dist) throw new Error('XWING_DIST (the service build folder) is not set');
  const { createLogger } = await import(pathToFileURL(join(dist, 'logging/logger.js')).href);
  const { httpLogger } = await import(pathToFileURL(join(dist, 'logging/http-logger.js')).href);
  return httpLogger(createLogger(process.env.LOG_LEVEL ?? 'info'));
}
