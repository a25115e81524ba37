import type { Request, RequestHandler } from 'express';
import { enforce } from '../rate-limit/middleware.ts';
import { sessionRejection, tokenFrom, type RejectionReason } from '../sessions/request.ts';
import { isWellFormedToken } from '../sessions/tokens.ts';
import type { AccessCheck } from './check.ts';

export interface RequireAccessOptions {
  access: AccessCheck;
  /** Who is counted against the limit (see rate-limit/clientAddress). */
  keyOf: (req: Request) => string;
  onLimited: (limiter: string) => void;
  onRejected: (reason: RejectionReason) => void;
}

/**
 * The guard of every route that needs a session. A spent limit answers 429 before anything is
 * said about the session, so that the limit also covers clients guessing tokens; every response
 * carries the RateLimit headers.
 */
export function requireAccess({ access, keyOf, onLimited, onRejected }: RequireAccessOptions): RequestHandler {
  return async (req, res, next) => {
    const token = tokenFrom(req);
    const usable = token !== undefined && isWellFormedToken(token);
    const clientKey = keyOf(req);
    const { rateLimit, session } = usable ? await access.check(clientKey, token) : { rateLimit: await access.count(clientKey), session: null };
    enforce(res, access.limiterName, rateLimit, onLimited);
    if (!session) {
      const reason: RejectionReason = token === undefined ? 'missing' : usable ? 'unknown' : 'malformed';
      onRejected(reason);
      throw sessionRejection(reason);
    }
    res.locals.session = session;
    res.locals.token = token;
    next();
  };
}
