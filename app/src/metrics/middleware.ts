import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Histogram } from 'prom-client';

/**
 * The route template, never the raw URL: one series per route, whatever the paths carry. Routes
 * are declared with their full path and their guards in their own stack, so the template is known
 * even for a request a guard refused.
 */
export function routeTemplate(req: IncomingMessage & { route?: { path?: unknown } }): string {
  const path = req.route?.path;
  return typeof path === 'string' ? path : 'unmatched';
}

export function httpMetrics(histogram: Histogram<'method' | 'route' | 'status_code'>): RequestHandler {
  return (req, res, next) => {
    const stop = histogram.startTimer();
    res.once('finish', () => {
      stop({ method: req.method, route: routeTemplate(req), status_code: res.statusCode });
    });
    next();
  };
}
