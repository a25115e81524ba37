import type { IRouter, RequestHandler } from 'express';
import { HttpProblem } from './problem.ts';

/**
 * The Allow value of a path whose routes answer `methods`: HEAD comes with GET (Express answers it
 * with the GET handler) and OPTIONS with every path.
 */
export function allowHeader(methods: Iterable<string>): string {
  const allowed = new Set([...methods].map((method) => method.toUpperCase()));
  if (allowed.has('GET')) allowed.add('HEAD');
  allowed.add('OPTIONS');
  return [...allowed].sort().join(', ');
}

/** Every path the router's routes serve, with its Allow value: read once, from the routes registered so far. */
export function routeMethods(router: IRouter): Map<string, string> {
  const methods = new Map<string, Set<string>>();
  for (const { route } of router.stack) {
    if (!route) continue;
    const forPath = methods.get(route.path) ?? new Set<string>();
    for (const { method } of route.stack) forPath.add(method);
    methods.set(route.path, forPath);
  }
  return new Map([...methods].map(([path, forPath]) => [path, allowHeader(forPath)]));
}

/** Express matches routes case-insensitively and with or without one trailing slash. */
function routeKey(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/**
 * Mounted after every route, like the 404, so that no request a route answers pays for it: a
 * request that reaches it for a path some route serves used a method none of them answers.
 * OPTIONS gets 204 with Allow; any other method 405 with Allow (RFC 9110 §15.5.6).
 */
export function methodNotAllowed(allowed: ReadonlyMap<string, string>): RequestHandler {
  return (req, res, next) => {
    const allow = allowed.get(routeKey(req.path));
    if (allow === undefined) {
      next();
      return;
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', allow);
      res.status(204).end();
      return;
    }
    next(new HttpProblem('methodNotAllowed', `${req.method} is not served on ${req.path}; it answers ${allow}.`, { headers: { Allow: allow } }));
  };
}
