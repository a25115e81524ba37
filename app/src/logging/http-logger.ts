import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { requestIdOf } from '../http/identity.ts';
import { routeTemplate } from '../http/route-template.ts';
import type { Tracing } from '../telemetry/tracing.ts';

/**
 * One JSON line per request, written when the response closes, with the request id the client
 * sees in X-Request-Id. A request the client gave up on is logged too, as aborted. This replaces
 * pino-http, which builds a child logger (and serialises the request into it) for every request
 * only for us to log one line: a measurable share of the CPU per request.
 */
export function httpLogger(logger: Logger, tracing?: Pick<Tracing, 'logFields'>): RequestHandler {
  // Redaction is by key and this line holds only the fields picked below, none of them a secret
  // (a secret a client puts in the path would escape key-based redaction anyway); skipping it
  // makes the line about 2.5 times cheaper to write.
  const requestLog = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const started = performance.now();
    res.once('close', () => {
      const route = routeTemplate(req);
      const status = res.statusCode;
      const aborted = !res.writableFinished;
      const level = aborted ? 'warn' : status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!requestLog.isLevelEnabled(level)) return;
      const line = {
        req: {
          id: requestIdOf(res),
          method: req.method,
          url: req.originalUrl.split('?')[0],
          userAgent: req.headers['user-agent'],
          remoteAddress: req.socket.remoteAddress,
        },
        res: { statusCode: status },
        responseTime: Math.round((performance.now() - started) * 100) / 100,
        route,
      };
      if (tracing) Object.assign(line, tracing.logFields(res));
      requestLog[level](line, `${req.method} ${route} ${aborted ? 'aborted' : String(status)}`);
    });
    next();
  };
}
