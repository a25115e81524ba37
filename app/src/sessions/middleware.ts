import type { Request, RequestHandler, Response } from 'express';
import { HttpProblem } from '../http/problem.ts';
import type { Session, SessionStore } from './store.ts';
import { isWellFormedToken } from './tokens.ts';

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

/** The bearer token wins over the cookie, so API clients are never confused by a stale browser cookie. */
export function tokenFrom(req: Request): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization) {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? '';
  }
  return cookieValue(req.headers.cookie, SESSION_COOKIE);
}

export type RejectionReason = 'missing' | 'malformed' | 'unknown';

function unauthenticated(detail: string): HttpProblem {
  return new HttpProblem('unauthenticated', detail);
}

export function requireSession(store: SessionStore, onRejected: (reason: RejectionReason) => void): RequestHandler {
  return async (req, res, next) => {
    const token = tokenFrom(req);
    if (token === undefined) {
      onRejected('missing');
      throw unauthenticated('Send a session token as a Bearer token or in the xwing_session cookie.');
    }
    if (!isWellFormedToken(token)) {
      onRejected('malformed');
      throw unauthenticated('The session token is malformed.');
    }
    const session = await store.touch(token);
    if (!session) {
      onRejected('unknown');
      throw unauthenticated('The session has expired or was ended.');
    }
    res.locals.session = session;
    res.locals.token = token;
    next();
  };
}

/** For handlers mounted behind requireSession. */
export function currentSession(res: Response): Session {
  const { session } = res.locals;
  if (!session) throw new Error('currentSession() used on a route without requireSession');
  return session;
}
