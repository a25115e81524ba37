import type { Request, RequestHandler, Response } from 'express';
import { HttpProblem } from '../http/problem.ts';
import type { RateLimitDecision, RateLimiter } from './limiter.ts';

/** The widely deployed draft-6 header set, plus Retry-After on refusals. */
function setRateLimitHeaders(res: Response, decision: RateLimitDecision): void {
  res.setHeader('RateLimit-Policy', `${decision.limit};w=${decision.windowSeconds}`);
  res.setHeader('RateLimit-Limit', String(decision.limit));
  res.setHeader('RateLimit-Remaining', String(decision.remaining));
  res.setHeader('RateLimit-Reset', String(decision.resetSeconds));
}

export interface RateLimitOptions {
  limiter: RateLimiter;
  /** Who is counted; `req.ip` already honours TRUST_PROXY and nothing else. */
  keyOf: (req: Request) => string;
  onLimited: (limiter: string) => void;
}

/**
 * Applies a limiter's decision to the response: the RateLimit headers always, and past the limit
 * `onLimited` and a 429 that says `detail` and when to come back. Every limit in the service goes
 * through here: the API guard, the access check, the password and login limits.
 */
export function enforce(
  res: Response,
  limiter: string,
  decision: RateLimitDecision,
  onLimited: (limiter: string) => void,
  detail = `Limit of ${decision.limit} requests per ${decision.windowSeconds} s reached.`,
): void {
  setRateLimitHeaders(res, decision);
  if (decision.allowed) return;
  onLimited(limiter);
  throw new HttpProblem('rateLimited', detail, { headers: { 'Retry-After': String(decision.resetSeconds) } });
}

export function rateLimit({ limiter, keyOf, onLimited }: RateLimitOptions): RequestHandler {
  return async (req, res, next) => {
    enforce(res, limiter.name, await limiter.consume(keyOf(req)), onLimited);
    next();
  };
}
