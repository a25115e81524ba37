import type { Request, RequestHandler, Response } from 'express';
import { routeTemplate } from './route-template.ts';

/** How a request ended, worked out once for everyone who records it. */
export interface RequestEnd {
  /** The route template (see route-template.ts). */
  route: string;
  /** False when the client hung up before the answer was sent. */
  finished: boolean;
  durationMs: number;
}

export type RequestEndObserver = (req: Request, res: Response, end: RequestEnd) => void;

/**
 * Tells the observers (the request log, the metrics) how every request ended, when its response
 * closes, so that requests clients gave up on are recorded too. One listener per request serves
 * them all: the template and the duration are worked out once, and a listener per observer was
 * a closure and an emitter slot more per request on the hot path.
 */
export function onRequestEnd(...observers: RequestEndObserver[]): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('close', () => {
      const end: RequestEnd = { route: routeTemplate(req), finished: res.writableFinished, durationMs: performance.now() - started };
      for (const observe of observers) observe(req, res, end);
    });
    next();
  };
}
