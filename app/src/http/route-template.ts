import type { IncomingMessage } from 'node:http';

/**
 * The route template, never the raw URL: one series per route, whatever the paths carry. Routes
 * are declared with their full path and their guards in their own stack, so the template is known
 * even for a request a guard refused.
 */
export function routeTemplate(req: IncomingMessage & { route?: { path?: unknown } }): string {
  const path = req.route?.path;
  return typeof path === 'string' ? path : 'unmatched';
}
