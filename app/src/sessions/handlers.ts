import express, { type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { sendJson } from '../http/json-response.ts';
import { HttpProblem } from '../http/problem.ts';
import type { RateLimiter } from '../rate-limit/limiter.ts';
import { clientAddress } from '../http/client-address.ts';
import { enforce } from '../rate-limit/middleware.ts';
import type { UserStore } from '../users/store.ts';
import { allTokensFrom, currentSession, SESSION_COOKIE, type RejectionReason } from './request.ts';
import type { SessionStore } from './store.ts';
import { isWellFormedToken } from './tokens.ts';

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 128;

/**
 * A length in characters (code points), as JSON Schema's minLength and maxLength count it in the
 * contract; String.length counts UTF-16 units, two for an emoji.
 */
function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
}

function validPasswordLength(value: string): boolean {
  // No character takes more than two UTF-16 units: a longer string need not be counted.
  if (value.length > 2 * MAX_PASSWORD) return false;
  const length = codePoints(value);
  return length >= MIN_PASSWORD && length <= MAX_PASSWORD;
}

/** The body of register and login. */
export const credentialsSchema = z.object({
  username: z
    .string()
    .min(3)
    .max(32)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-", starting with a letter or digit'),
  password: z
    .string()
    .refine(validPasswordLength, `${MIN_PASSWORD} to ${MAX_PASSWORD} characters`)
    .meta({ minLength: MIN_PASSWORD, maxLength: MAX_PASSWORD }),
}).meta({ examples: [{ username: 'luke', password: 'use the force' }] });

type Credentials = z.infer<typeof credentialsSchema>;

/** The body of a 201 from register. */
export interface Registered {
  username: string;
}

/** The body of a 200 from login. */
export interface LoginResult {
  token: string;
  expiresAt: string;
}

function credentials(req: Request): Credentials {
  if (!req.is('application/json')) {
    throw new HttpProblem('unsupportedMediaType', 'Send the credentials as application/json.');
  }
  const parsed = credentialsSchema.safeParse(req.body);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
    throw new HttpProblem('invalidBody', 'The credentials are not valid.', { extensions: { errors } });
  }
  return parsed.data;
}

export interface AuthHandlersDeps {
  users: UserStore;
  sessions: SessionStore;
  loginLimiter: RateLimiter;
  /** Counts every register and login per client: each costs one scrypt hash. */
  passwordLimiter: RateLimiter;
  allowRegistration: boolean;
  cookieSecure: 'auto' | 'true' | 'false';
  events: {
    sessionCreated(): void;
    sessionRejected(reason: RejectionReason | 'bad-credentials'): void;
    rateLimited(limiter: string): void;
  };
}

export interface AuthHandlers {
  /** The body parser of register and login; app.ts mounts it after the rate limit, so refused requests are never parsed. */
  jsonBody: RequestHandler;
  register: RequestHandler;
  login: RequestHandler;
  logout: RequestHandler;
  session: RequestHandler;
}

export function authHandlers(deps: AuthHandlersDeps): AuthHandlers {
  const jsonBody = express.json({ limit: '1mb', strict: true });

  const cookieOptions = (req: Request) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.cookieSecure === 'auto' ? req.secure : deps.cookieSecure === 'true',
    path: '/',
  });

  const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store');

  /** Counts the request against `limiter` under `key`; past the limit, a 429 saying `detail`. */
  const spend = async (limiter: RateLimiter, key: string, res: Response, detail: string) => {
    enforce(res, limiter.name, await limiter.consume(key), (name) => deps.events.rateLimited(name), detail);
  };
  // A password hash costs tens of milliseconds of CPU, far more than any other request: without
  // this a client could make one hash per API request, with new usernames each time.
  const spendPasswordWork = (req: Request, res: Response) =>
    spend(deps.passwordLimiter, clientAddress(req), res, 'Too many sign-ups and logins from this client; wait before trying again.');

  const register: RequestHandler = async (req, res) => {
    if (!deps.allowRegistration) throw new HttpProblem('registrationDisabled');
    const { username, password } = credentials(req);
    await spendPasswordWork(req, res);
    if (!(await deps.users.register(username, password))) throw new HttpProblem('usernameTaken');
    const registered: Registered = { username };
    res.status(201).location('/auth/session').json(registered);
  };

  const login: RequestHandler = async (req, res) => {
    const { username, password } = credentials(req);
    await spendPasswordWork(req, res);
    // Per client *and* username: one attacker cannot lock a user out from everywhere, and guesses
    // at one account stop long before the per-client password limit does.
    await spend(deps.loginLimiter, `${clientAddress(req)}|${username}`, res, 'Too many login attempts; wait before trying again.');
    if (!(await deps.users.verify(username, password))) {
      deps.events.sessionRejected('bad-credentials');
      throw new HttpProblem('invalidCredentials');
    }
    const { token, session } = await deps.sessions.create(username);
    deps.events.sessionCreated();
    noStore(res);
    // No Max-Age: the expiry slides in Redis on every request, and a fixed cookie lifetime would
    // log an active browser user out SESSION_TTL_SECONDS after login. Redis alone decides expiry.
    res.cookie(SESSION_COOKIE, token, cookieOptions(req));
    const result: LoginResult = { token, expiresAt: session.expiresAt };
    res.json(result);
  };

  const logout: RequestHandler = async (req, res) => {
    const tokens = allTokensFrom(req);
    if (tokens.length === 0) throw new HttpProblem('unauthenticated', 'No session token was sent.');
    // Idempotent: ending a session that is already gone is still a success.
    await deps.sessions.destroy(tokens.filter(isWellFormedToken));
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  };

  // Every authenticated client polls this route: its answer skips res.json (see sendJson).
  const session: RequestHandler = (_req, res) => {
    noStore(res);
    sendJson(res, currentSession(res));
  };

  return { jsonBody, register, login, logout, session };
}
