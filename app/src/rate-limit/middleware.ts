import { isIP } from 'node:net';
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

/** The 429 for a spent API limit, telling the client when to come back. */
export function rateLimited(decision: RateLimitDecision): HttpProblem {
  return new HttpProblem('rateLimited', `Limit of ${decision.limit} requests per ${decision.windowSeconds} s reached.`, {
    headers: { 'Retry-After': String(decision.resetSeconds) },
  });
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
    throw rateLimited(decision);
  };
}

/** The first four groups of an IPv6 address, written out: the /64 a single host usually owns. */
function ipv6Subnet64(address: string): string {
  const [head = '', tail] = (address.split('%')[0] ?? '').split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const tailSize = tailGroups.reduce((size, group) => size + (group.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailSize).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups].slice(0, 4);
  return `${groups.map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`;
}

/**
 * Who a rate limit counts. An IPv6 host usually owns a whole /64 and could rotate addresses past
 * any per-address limit, so IPv6 clients are counted by /64. Anything that is not an address (a
 * TRUST_PROXY hop count set too high lets the client write req.ip) falls back to the peer, so that
 * a client can neither dodge the limit nor mint Redis keys.
 */
export function clientAddress(req: Request): string {
  const address = req.ip !== undefined && isIP(req.ip) !== 0 ? req.ip : (req.socket.remoteAddress ?? 'unknown');
  if (isIP(address) !== 6) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? ipv6Subnet64(address);
}
