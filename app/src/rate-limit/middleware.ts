import type { Request, RequestHandler, Response } from 'express';
import { HttpProblem } from '../http/problem.ts';
import type { RateLimitDecision, RateLimiter } from './limiter.ts';

/** The widely deployed draft-6 header set, plus Retry-After on refusals. */
export function setRateLimitHeaders(res: Response, decision: RateLimitDecision): void {
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

export function rateLimit({ limiter, keyOf, onLimited }: RateLimitOptions): RequestHandler {
  return async (req, res, next) => {
    const decision = await limiter.consume(keyOf(req));
    setRateLimitHeaders(res, decision);
    if (decision.allowed) {
      next();
      return;
    }
    onLimited(limiter.name);
    throw new HttpProblem('rateLimited', `Limit of ${decision.limit} requests per ${decision.windowSeconds} s reached.`, {
      headers: { 'Retry-After': String(decision.resetSeconds) },
    });
  };
}

export const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';
