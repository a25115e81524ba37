// The baselines log through the service's own compiled logger and request-log line (XWING_DIST),
// handed each request's end the way the service does, so that the logging cost is the same in
// every variant that logs.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

export async function xwingLogging() {
  const dist = process.env.XWING_DIST;
  if (!dist) throw new Error('XWING_DIST (the service build folder) is not set');
  const load = (module) => import(pathToFileURL(join(dist, module)).href);
  const { createLogger } = await load('logging/logger.js');
  const { httpLogger } = await load('logging/http-logger.js');
  const { onRequestEnd } = await load('http/request-end.js');
  return onRequestEnd(httpLogger(createLogger(process.env.LOG_LEVEL ?? 'info')));
}
