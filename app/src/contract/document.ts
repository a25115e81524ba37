import { SESSION_COOKIE } from '../sessions/request.ts';
import { workQuerySchema } from '../work/handler.ts';
import { answer, components, COUNTED_HEADERS, json, jsonSchema, problemAnswer, ref, type JsonObject } from './components.ts';

export interface ContractOptions {
  version: string;
  /** WORK_MAX_MS: the largest `ms` GET /work accepts. */
  workMaxMs: number;
}

const SESSION = [{ bearerAuth: [] }, { sessionCookie: [] }];
const ANONYMOUS: never[] = [];

const DESCRIPTION = `A Kubernetes-native Express service whose replicas are interchangeable: sessions, the cache and
the rate-limit counters live in Redis.

Every answer carries X-Request-Id and X-Served-By. Errors are RFC 9457 \`application/problem+json\`.
Besides what each operation lists, any path answers a method it does not list with 405 and Allow
(\`#/components/responses/MethodNotAllowed\`), and a path not listed here answers 404
(\`#/components/responses/NotFound\`); a request the HTTP parser refuses gets 400, 408 or 431 as
problem+json. \`/metrics\` (Prometheus) is on its own port, METRICS_PORT, outside this contract.`;

const shared = {
  unauthenticated: ref('responses', 'Unauthenticated'),
  rateLimited: ref('responses', 'RateLimited'),
  unavailable: ref('responses', 'Unavailable'),
};

/** The answers every route behind the session guard can give besides its own. */
const guarded = { '401': shared.unauthenticated, '429': shared.rateLimited, '503': shared.unavailable };

/** What a client does with a new session's token; the bearer token wins over any cookie the request also carries. */
const SESSION_USES = ['getSession', 'getProfile', 'doWork', 'logout'];

function withToken(operationId: string): JsonObject {
  return {
    operationId,
    parameters: { 'header.Authorization': 'Bearer {$response.body#/token}' },
    description: 'Use the new session, as a bearer token.',
  };
}

const credentialsBody = { required: true, content: { 'application/json': { schema: ref('schemas', 'Credentials') } } };

const bodyProblems = {
  '400': ref('responses', 'InvalidBody'),
  '413': ref('responses', 'PayloadTooLarge'),
  '415': ref('responses', 'UnsupportedMediaType'),
};

interface OperationFields extends JsonObject {
  tag: string;
}

function operation(operationId: string, summary: string, { tag, ...fields }: OperationFields): JsonObject {
  return { operationId, summary, tags: [tag], ...fields };
}

/** GET and its HEAD twin: the same answers, without their bodies. */
function readable(operationId: string, summary: string, fields: OperationFields): JsonObject {
  return {
    get: operation(operationId, summary, fields),
    head: operation(`${operationId}Head`, `${summary} (headers only)`, fields),
  };
}

function options(operationId: string, tag: string): JsonObject {
  return operation(operationId, 'The methods this path answers', { tag, security: ANONYMOUS, responses: { '204': ref('responses', 'Options') } });
}

function paths(workMaxMs: number): JsonObject {
  const workQuery = jsonSchema(workQuerySchema(workMaxMs), 'output') as { properties: { ms: JsonObject & { description?: string } } };
  const { description: msDescription, ...msSchema } = workQuery.properties.ms;
  return {
    '/auth/register': {
      post: operation('register', 'Create an account', {
        tag: 'auth',
        description: 'Counts against the API limit and PASSWORD_RATE_LIMIT_MAX (sign-ups and logins per client).',
        security: ANONYMOUS,
        requestBody: credentialsBody,
        responses: {
          '201': {
            ...answer('Created.', { ...COUNTED_HEADERS, Location: ref('headers', 'Location') }, json('Registered')),
            links: { login: { operationId: 'login', requestBody: '$request.body', description: 'Log in with the credentials just registered.' } },
          },
          ...bodyProblems,
          '403': problemAnswer('Registration is turned off (ALLOW_REGISTRATION=false).'),
          '409': problemAnswer('The username is taken.'),
          '429': shared.rateLimited,
          '503': shared.unavailable,
        },
      }),
      options: options('registerOptions', 'auth'),
    },
    '/auth/login': {
      post: operation('login', 'Start a session', {
        tag: 'auth',
        description: 'Counts against the API limit, PASSWORD_RATE_LIMIT_MAX and LOGIN_RATE_LIMIT_MAX (per client and username).',
        security: ANONYMOUS,
        requestBody: credentialsBody,
        responses: {
          '200': {
            ...answer(
              'The session: its token in the body and in the `xwing_session` cookie (HttpOnly, SameSite=Lax, no Max-Age: Redis alone decides when it ends).',
              { ...COUNTED_HEADERS, 'Cache-Control': ref('headers', 'NoStore'), 'Set-Cookie': ref('headers', 'SetCookie') },
              json('LoginResult'),
            ),
            links: Object.fromEntries(SESSION_USES.map((target) => [target, withToken(target)])),
          },
          ...bodyProblems,
          '401': problemAnswer('Wrong username or password.', { 'WWW-Authenticate': ref('headers', 'WwwAuthenticate') }),
          '429': shared.rateLimited,
          '503': shared.unavailable,
        },
      }),
      options: options('loginOptions', 'auth'),
    },
    '/auth/logout': {
      post: operation('logout', 'End the sessions the request names', {
        tag: 'auth',
        description:
          'Ends every session the request names, by its bearer token (`Authorization: Bearer <token>`) and its `xwing_session` cookie, on every replica at once. The tokens name what to end and are not checked: a session already gone is still a success, so that a retried logout succeeds.',
        security: ANONYMOUS,
        parameters: [{ name: SESSION_COOKIE, in: 'cookie', required: false, description: 'A session to end.', schema: { type: 'string' } }],
        responses: {
          '204': answer('Ended; the cookie is cleared.', { ...COUNTED_HEADERS, 'Set-Cookie': ref('headers', 'SetCookie') }),
          '401': problemAnswer('The request names no session.', { 'WWW-Authenticate': ref('headers', 'WwwAuthenticate') }),
          '429': shared.rateLimited,
          '503': shared.unavailable,
        },
      }),
      options: options('logoutOptions', 'auth'),
    },
    '/auth/session': {
      ...readable('getSession', 'The current session', {
        tag: 'auth',
        security: SESSION,
        responses: {
          '200': answer('The session; its expiry has just moved a full lifetime ahead.', { ...COUNTED_HEADERS, 'Cache-Control': ref('headers', 'NoStore') }, json('Session')),
          ...guarded,
        },
      }),
      options: options('sessionOptions', 'auth'),
    },
    '/profile': {
      ...readable('getProfile', "The caller's profile", {
        tag: 'profile',
        description:
          'From an expensive lookup (PROFILE_LOOKUP_MS), cached in Redis. Conditional per RFC 9110 §13.1.2: an If-None-Match naming the current ETag (weak comparison; a list; or `*`) gets 304, whatever the request\'s Cache-Control says.',
        security: SESSION,
        parameters: [
          {
            name: 'If-None-Match',
            in: 'header',
            required: false,
            description: 'ETags the client holds: `"…"`, `W/"…"`, a comma-separated list of them, or `*`.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': answer('The profile.', profileHeaders(), json('Profile')),
          '304': answer('The profile the client holds is current.', profileHeaders()),
          ...guarded,
        },
      }),
      options: options('profileOptions', 'profile'),
    },
    '/work': {
      ...readable('doWork', 'About `ms` milliseconds of CPU work', {
        tag: 'work',
        description: 'Spread over 5 ms slices, so that probes and other requests stay answered while the autoscaler sees the CPU.',
        security: SESSION,
        parameters: [{ name: 'ms', in: 'query', required: true, description: msDescription, schema: msSchema }],
        responses: {
          '200': answer('Done.', COUNTED_HEADERS, json('WorkResult')),
          '400': problemAnswer(`\`ms\` is not a whole number from 1 to ${workMaxMs} (WORK_MAX_MS).`),
          ...guarded,
        },
      }),
      options: options('workOptions', 'work'),
    },
    '/openapi.json': {
      ...readable('getContract', 'This contract', {
        tag: 'service',
        description: 'Not rate limited, no session. Built once when the service starts.',
        security: ANONYMOUS,
        responses: {
          '200': answer('The OpenAPI document.', { ETag: ref('headers', 'ETag') }, { mediaType: 'application/json', schema: { type: 'object' } }),
          '304': answer('The document the client holds is current.', { ETag: ref('headers', 'ETag') }),
        },
      }),
      options: options('contractOptions', 'service'),
    },
    '/healthz': {
      ...readable('liveness', 'Liveness: the process answers', {
        tag: 'service',
        description: 'Never depends on Redis, so that a Redis outage never restarts every pod.',
        security: ANONYMOUS,
        responses: { '200': answer('Alive.', { 'Cache-Control': ref('headers', 'NoStore') }, json('Probe')) },
      }),
      options: options('livenessOptions', 'service'),
    },
    '/readyz': {
      ...readable('readiness', 'Readiness: Redis answers and the process is not shutting down', {
        tag: 'service',
        description: 'Stays ready while Redis has been unreachable for less than REDIS_READINESS_GRACE_MS.',
        security: ANONYMOUS,
        responses: {
          '200': answer('Ready.', { 'Cache-Control': ref('headers', 'NoStore') }, json('Probe')),
          '503': answer('Not ready: shutting down, or Redis unreachable past the grace.', { 'Cache-Control': ref('headers', 'NoStore') }, json('Probe')),
        },
      }),
      options: options('readinessOptions', 'service'),
    },
  };
}

function profileHeaders(): JsonObject {
  return {
    ...COUNTED_HEADERS,
    ETag: ref('headers', 'ETag'),
    'Cache-Control': { description: 'Any cache must revalidate, and only a private one may store it.', required: true, schema: { type: 'string', const: 'private, no-cache' } },
    Vary: { description: 'The answer depends on who asks.', required: true, schema: { type: 'string', const: 'Authorization, Cookie' } },
    'X-Cache': { description: 'Whether Redis already held the profile.', required: true, schema: { type: 'string', enum: ['HIT', 'MISS'] } },
  };
}

/** The OpenAPI 3.1 document of the service, from the same zod schemas that validate its requests. */
export function buildContract({ version, workMaxMs }: ContractOptions): JsonObject {
  return {
    openapi: '3.1.1',
    info: {
      title: 'xwing',
      version,
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/', description: 'Wherever the service runs (`make run`: http://localhost:8080).' }],
    tags: [
      { name: 'auth', description: 'Accounts and sessions.' },
      { name: 'profile', description: 'A cached expensive lookup.' },
      { name: 'work', description: 'CPU work for the autoscaler to see.' },
      { name: 'service', description: 'The contract and the probes: no session, no rate limit.' },
    ],
    paths: paths(workMaxMs),
    components: components(),
  };
}
