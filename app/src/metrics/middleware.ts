import type { RequestHandler } from 'express';
import type { Histogram } from 'prom-client';
import { routeTemplate } from '../http/route-template.ts';

/** nginx's code for a request whose client hung up before the answer was sent. */
const CLIENT_CLOSED_REQUEST = 499;

/** Records every request when its response closes, so that requests clients gave up on are counted too. */
export function httpMetrics(histogram: Histogram<'method' | 'route' | 'status_code'>): RequestHandler {
  return (req, res, next) => {
    const stop = histogram.startTimer();
    res.once('close', () => {
      stop({ method: req.method, route: routeTemplate(req), status_code: res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST });
    });
    next();
  };
}
