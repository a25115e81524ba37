import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestIdOf } from '../http/identity.ts';
import { routeTemplate } from '../metrics/middleware.ts';

/** One JSON line per request, with the same request id the client sees in X-Request-Id. */
export function httpLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (_req: IncomingMessage, res: ServerResponse) => requestIdOf(res),
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${routeTemplate(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeTemplate(req)} ${res.statusCode}`,
    // The route is known only once routing ran, so it joins the completion line, not the child logger.
    customSuccessObject: (req, _res, value: object) => ({ ...value, route: routeTemplate(req) }),
    customErrorObject: (req, _res, _error, value: object) => ({ ...value, route: routeTemplate(req) }),
    serializers: {
      req: (req: { id: string; method: string; url: string; headers: Record<string, unknown>; remoteAddress: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url.split('?')[0],
        userAgent: req.headers['user-agent'],
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
