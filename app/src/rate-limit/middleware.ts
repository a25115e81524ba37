import { isIP } from 'node:net';
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
