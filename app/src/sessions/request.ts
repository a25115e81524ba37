import type { Request, Response } from 'express';
import { HttpProblem } from '../http/problem.ts';
import type { Session } from './store.ts';

export const SESSION_COOKIE = 'xwing_session';

declare module 'express-serve-static-core' {
  interface Locals {
    session?: Session;
    token?: string;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator !== -1 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** The token of an Authorization header; '' for a header of another scheme or shape. */
function bearerToken(authorization: string): string {
  return /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)?.[1] ?? '';
}

/** The bearer token wins over the cookie, so API clients are never confused by a stale browser cookie. */
export function tokenFrom(req: Request): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization) return bearerToken(authorization);
  return cookieValue(req.headers.cookie, SESSION_COOKIE);
}

/**
 * Every session token a request carries, bearer and cookie. A logout ends them all: the cookie it
 * clears must not leave its session alive in Redis because the request also sent another token.
 */
export function allTokensFrom(req: Request): string[] {
  const tokens = new Set<string>();
  if (req.headers.authorization) tokens.add(bearerToken(req.headers.authorization));
  const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (cookie !== undefined) tokens.add(cookie);
  return [...tokens];
}

export type RejectionReason = 'missing' | 'malformed' | 'unknown';

const REJECTION_DETAIL: Record<RejectionReason, string> = {
  missing: 'Send a session token as a Bearer token or in the xwing_session cookie.',
  malformed: 'The session token is malformed.',
  unknown: 'The session has expired or was ended.',
};

/** The 401 for a request without a valid session, saying what was wrong with it. */
export function sessionRejection(reason: RejectionReason): HttpProblem {
  return new HttpProblem('unauthenticated', REJECTION_DETAIL[reason]);
}

/** For handlers mounted behind the session guard (guard.ts). */
export function currentSession(res: Response): Session {
  const { session } = res.locals;
  if (!session) throw new Error('currentSession() used on a route without the session guard');
  return session;
}
