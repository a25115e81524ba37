import type { Request, RequestHandler } from 'express';
import type { RateLimiter } from '../rate-limit/limiter.ts';
import { enforce } from '../rate-limit/middleware.ts';
import type { RunRedis } from '../redis/runner.ts';
import type { Scripts } from '../redis/scripts.ts';
import { sessionRejection, tokenFrom, type RejectionReason } from './request.ts';
import type { SessionStore } from './store.ts';
import { isWellFormedToken } from './tokens.ts';

export interface SessionGuardDeps {
  scripts: Scripts;
  run: RunRedis;
  /** The API limit, counted in the same Redis command that reads the session. */
  limiter: RateLimiter;
  sessions: SessionStore;
  /** Who is counted against the limit (see http/client-address.ts). */
  keyOf: (req: Request) => string;
  onLimited: (limiter: string) => void;
  onRejected: (reason: RejectionReason) => void;
}

/**
 * The guard of every route that needs a session: who is this, and may they pass. One Redis
 * script counts the API limit and, if the request is admitted, reads the session and slides its
 * expiry; every authenticated request needs both answers, and one command instead of two was the
 * largest saving on the hot path. A spent limit answers 429 before anything is said about the
 * session, so that the limit also covers clients guessing tokens; every response carries the
 * RateLimit headers.
 */
export function sessionGuard({ scripts, run, limiter, sessions, keyOf, onLimited, onRejected }: SessionGuardDeps): RequestHandler {
  const operation = `access.${limiter.name}`;
  const check = async (clientKey: string, token: string) => {
    const [count, ttlMs, raw] = await run(operation, (retry) =>
      scripts.access(limiter.keyFor(clientKey), sessions.keyFor(token), limiter.windowMs, retry ? 0 : 1, limiter.limit, sessions.ttlSeconds),
    );
    return { rateLimit: limiter.decide(count, ttlMs), session: raw === null ? null : sessions.fromStored(raw) };
  };

  return async (req, res, next) => {
    const token = tokenFrom(req);
    const usable = token !== undefined && isWellFormedToken(token);
    const clientKey = keyOf(req);
    const { rateLimit, session } = usable ? await check(clientKey, token) : { rateLimit: await limiter.consume(clientKey), session: null };
    enforce(res, limiter.name, rateLimit, onLimited);
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
