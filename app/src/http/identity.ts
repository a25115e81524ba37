import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's request id is kept only when it cannot pollute logs or headers. */
function requestIdFor(req: IncomingMessage): string {
  const offered = req.headers['x-request-id'];
  return typeof offered === 'string' && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
}

/** The id this response was stamped with: the one logs and problem responses use. */
export function requestIdOf(res: ServerResponse): string {
  const id = res.getHeader(REQUEST_ID_HEADER);
  return typeof id === 'string' ? id : '';
}

/**
 * Tags every response with who served it and under which request id, before anything can fail.
 * It works both as Express middleware and as a raw `request` listener, so that the probes terminus
 * answers before Express carry the same headers; whichever runs first does the work.
 */
export function identity(servedBy: string) {
  return (req: IncomingMessage, res: ServerResponse, next?: () => void): void => {
    if (!res.hasHeader(REQUEST_ID_HEADER)) {
      res.setHeader(REQUEST_ID_HEADER, requestIdFor(req));
      res.setHeader('X-Served-By', servedBy);
    }
    next?.();
  };
}
