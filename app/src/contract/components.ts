import { z } from 'zod';
import { credentialsSchema } from '../sessions/handlers.ts';
import { SESSION_COOKIE } from '../sessions/request.ts';
import {
  loginResultSchema,
  probeSchema,
  problemSchema,
  profileSchema,
  registeredSchema,
  sessionSchema,
  workResultSchema,
} from './responses.ts';

export type JsonObject = Record<string, unknown>;

/**
 * The JSON Schema (2020-12, the dialect of OpenAPI 3.1) of a zod schema: of what it accepts
 * (`input`, for requests) or of what it produces (`output`, for responses).
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'throw' });
  return rest;
}

export const ref = (kind: 'schemas' | 'headers' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });

function header(description: string, schema: JsonObject, required = false): JsonObject {
  return { description, required, schema };
}

const seconds = { type: 'integer', minimum: 0 };

const HEADERS = {
  RequestId: header("The caller's X-Request-Id when it is 1-128 of `[A-Za-z0-9._:-]`, else a fresh UUID: the id in the service's logs.", { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' }, true),
  ServedBy: header('The instance (the pod name in Kubernetes) that answered.', { type: 'string', minLength: 1 }, true),
  RateLimitPolicy: header('The limit that counted this request: `<limit>;w=<window seconds>`.', { type: 'string', pattern: '^\\d+;w=\\d+$' }),
  RateLimitLimit: header('Requests allowed per window.', seconds),
  RateLimitRemaining: header('Requests left in the current window.', seconds),
  RateLimitReset: header('Seconds until the current window ends.', seconds),
  RetryAfter: header('Seconds to wait before trying again.', seconds, true),
  Allow: header('The methods the path answers.', { type: 'string', pattern: '^[A-Z]+(, [A-Z]+)*$' }, true),
  WwwAuthenticate: header('The scheme to authenticate with.', { type: 'string', const: 'Bearer realm="xwing"' }, true),
  ETag: header('A strong validator of the representation: send it back in If-None-Match.', { type: 'string', pattern: '^"[^"]*"$' }, true),
  NoStore: header('Never stored by a cache.', { type: 'string', const: 'no-store' }, true),
  SetCookie: header('Sets or clears the `xwing_session` cookie.', { type: 'string', pattern: '^xwing_session=' }, true),
  Location: header('Where the new resource is: the session endpoint to use after logging in.', { type: 'string' }, true),
} satisfies Record<string, JsonObject>;

/** Headers on every answer of the service. */
export const IDENTITY_HEADERS = { 'X-Request-Id': ref('headers', 'RequestId'), 'X-Served-By': ref('headers', 'ServedBy') };

const RATE_LIMIT_NAMES = {
  'RateLimit-Policy': 'RateLimitPolicy',
  'RateLimit-Limit': 'RateLimitLimit',
  'RateLimit-Remaining': 'RateLimitRemaining',
  'RateLimit-Reset': 'RateLimitReset',
} as const;

/** Headers of a rate-limited route's answers once its limit was counted: a 503 can come before Redis counted it. */
export const RATE_LIMIT_HEADERS = Object.fromEntries(Object.entries(RATE_LIMIT_NAMES).map(([name, id]) => [name, ref('headers', id)]));

/** The same headers on an answer that comes after the count (a success, a 429): always sent. */
export const COUNTED_HEADERS = Object.fromEntries(Object.entries(RATE_LIMIT_NAMES).map(([name, id]) => [name, { ...HEADERS[id], required: true }]));

/** An answer of `description` with these `headers` (after the identity headers) and a body of `schema`. */
export function answer(description: string, headers: JsonObject = {}, body?: { mediaType: string; schema: JsonObject }): JsonObject {
  return {
    description,
    headers: { ...IDENTITY_HEADERS, ...headers },
    ...(body ? { content: { [body.mediaType]: { schema: body.schema } } } : {}),
  };
}

export const json = (name: string) => ({ mediaType: 'application/json', schema: ref('schemas', name) });
const problem = { mediaType: 'application/problem+json', schema: ref('schemas', 'Problem') };

/** A problem+json answer; on rate-limited routes it carries the RateLimit headers too. */
export function problemAnswer(description: string, headers: JsonObject = {}): JsonObject {
  return answer(description, { ...RATE_LIMIT_HEADERS, ...headers }, problem);
}

const RESPONSES = {
  InvalidBody: problemAnswer('The body is not JSON, or not valid credentials (`errors` says which field and why).'),
  Unauthenticated: problemAnswer('No session: no token was sent, or it is malformed, expired or ended.', { 'WWW-Authenticate': ref('headers', 'WwwAuthenticate') }),
  PayloadTooLarge: problemAnswer('The body is larger than 1 MiB.'),
  UnsupportedMediaType: problemAnswer('The body is not `application/json`, or in an encoding or charset the service does not read.'),
  RateLimited: problemAnswer('The rate limit is spent; the RateLimit headers say which and for how long.', {
    ...COUNTED_HEADERS,
    'Retry-After': ref('headers', 'RetryAfter'),
  }),
  Unavailable: problemAnswer('Redis is unreachable (past REDIS_FAILOVER_HOLD_MS of an outage): retry shortly.', { 'Retry-After': ref('headers', 'RetryAfter') }),
  Options: answer('The methods the path answers, in Allow; no body.', { Allow: ref('headers', 'Allow') }),
  NotFound: answer('No path of the service matches (any method).', {}, problem),
  MethodNotAllowed: answer('The path exists but does not answer this method: Allow lists those it does.', { Allow: ref('headers', 'Allow') }, problem),
};

export function components(): JsonObject {
  return {
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'The token from `POST /auth/login`. It wins over the cookie when both are sent.' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The HttpOnly cookie `POST /auth/login` sets, holding the same token.' },
    },
    schemas: {
      Credentials: jsonSchema(credentialsSchema, 'input'),
      Registered: jsonSchema(registeredSchema, 'output'),
      LoginResult: jsonSchema(loginResultSchema, 'output'),
      Session: jsonSchema(sessionSchema, 'output'),
      Profile: jsonSchema(profileSchema, 'output'),
      WorkResult: jsonSchema(workResultSchema, 'output'),
      Problem: jsonSchema(problemSchema, 'output'),
      Probe: jsonSchema(probeSchema, 'output'),
    },
    headers: HEADERS,
    responses: RESPONSES,
  };
}
