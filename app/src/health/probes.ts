import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { allowHeader } from '../http/methods.ts';
import { HttpProblem } from '../http/problem.ts';
import { CheckFailed } from './checks.ts';

export type Check = () => Promise<Record<string, unknown>>;

export interface ProbeOptions {
  /** By exact request URL (a query string misses them, as the kubelet never sends one). */
  checks: Readonly<Record<string, Check>>;
  /** Answers every other request: the Express app. */
  next: RequestListener;
  /** A check that failed with anything but CheckFailed: a bug, not a state. */
  onError: (error: unknown) => void;
}

const PROBE_ALLOW = allowHeader(['GET']);

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: string): void {
  res.writeHead(status, { 'Cache-Control': 'no-store', ...headers }).end(body);
}

async function answer(check: Check, res: ServerResponse, onError: (error: unknown) => void): Promise<void> {
  try {
    const info = await check();
    send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify({ status: 'ok', info, details: info }));
  } catch (error) {
    if (!(error instanceof CheckFailed)) onError(error);
    const causes = error instanceof CheckFailed ? { error: error.causes, details: error.causes } : {};
    send(res, 503, { 'Content-Type': 'application/json' }, JSON.stringify({ status: 'error', ...causes }));
  }
}

/**
 * The probes, answered before Express as cheaply as a lookup of the URL, in the body shape
 * terminus gave them. GET and HEAD run the check; OPTIONS gets 204 with Allow; any other method
 * 405 with Allow, as on every other path.
 */
export function probeListener({ checks, next, onError }: ProbeOptions): RequestListener {
  const byUrl = new Map(Object.entries(checks));
  return (req: IncomingMessage, res: ServerResponse) => {
    const check = req.url === undefined ? undefined : byUrl.get(req.url);
    if (check === undefined) {
      next(req, res);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      void answer(check, res, onError);
    } else if (req.method === 'OPTIONS') {
      send(res, 204, { Allow: PROBE_ALLOW });
    } else {
      const problem = new HttpProblem('methodNotAllowed', `${req.method ?? ''} is not served on ${req.url ?? ''}; it answers ${PROBE_ALLOW}.`);
      send(res, problem.status, { 'Content-Type': 'application/problem+json', Allow: PROBE_ALLOW }, JSON.stringify(problem.body(req.url)));
    }
  };
}
