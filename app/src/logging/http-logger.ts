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
    // Our serializers read the raw request and response: pino-http's default wrapping would first
    // build pino's standard objects (parsing the query string, copying every response header) only
    // for us to pick five fields out of them.
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { id: string; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        url: (req.originalUrl ?? req.url ?? '').split('?')[0],
        userAgent: req.headers['user-agent'],
        remoteAddress: req.socket.remoteAddress,
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
  });
}
