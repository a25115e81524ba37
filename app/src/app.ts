import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createCache } from './cache/cache.ts';
import type { Config } from './config.ts';
import { buildContract } from './contract/document.ts';
import { contractHandler } from './contract/handler.ts';
import { clientAddress } from './http/client-address.ts';
import { errorHandler, notFound } from './http/errors.ts';
import { identity } from './http/identity.ts';
import { onRequestEnd } from './http/request-end.ts';
import { methodNotAllowed, routeMethods } from './http/methods.ts';
import { httpLogger } from './logging/http-logger.ts';
import type { Metrics } from './metrics/metrics.ts';
import { httpMetrics } from './metrics/middleware.ts';
import { packageVersion } from './package-version.ts';
import { simulatedProfileLookup, type ProfileLookup } from './profile/lookup.ts';
import { profileHandler } from './profile/handler.ts';
import { createRateLimiter } from './rate-limit/limiter.ts';
import { rateLimit } from './rate-limit/middleware.ts';
import { createDurableWrite } from './redis/durable.ts';
import { createRedisRunner } from './redis/runner.ts';
import { registerScripts } from './redis/scripts.ts';
import { sessionGuard } from './sessions/guard.ts';
import { authHandlers } from './sessions/handlers.ts';
import { createSessionStore } from './sessions/store.ts';
import type { Tracing } from './telemetry/tracing.ts';
import { createUserStore } from './users/store.ts';
import { workHandler } from './work/handler.ts';

export type AppConfig = Pick<
  Config,
  | 'TRUST_PROXY'
  | 'SESSION_TTL_SECONDS'
  | 'COOKIE_SECURE'
  | 'CACHE_TTL_SECONDS'
  | 'PROFILE_LOOKUP_MS'
  | 'RATE_LIMIT_MAX'
  | 'RATE_LIMIT_WINDOW_SECONDS'
  | 'LOGIN_RATE_LIMIT_MAX'
  | 'LOGIN_RATE_LIMIT_WINDOW_SECONDS'
  | 'PASSWORD_RATE_LIMIT_MAX'
  | 'PASSWORD_RATE_LIMIT_WINDOW_SECONDS'
  | 'PASSWORD_SCRYPT_COST'
  | 'WORK_MAX_MS'
  | 'ALLOW_REGISTRATION'
  | 'REDIS_FAILOVER_HOLD_MS'
  | 'REDIS_WAIT_REPLICAS'
  | 'REDIS_WAIT_TIMEOUT_MS'
>;

export interface AppDeps {
  config: AppConfig;
  redis: Redis;
  /**
   * A second connection to the same Redis for logins and logouts, which wait there for replicas
   * to confirm them (REDIS_WAIT_REPLICAS > 0); without replicas to wait for they use `redis`.
   */
  durableRedis?: Redis;
  logger: Logger;
  metrics: Metrics;
  /** Sent as X-Served-By: the pod name in Kubernetes. */
  servedBy: string;
  /** The expensive lookup; defaults to the simulated one with PROFILE_LOOKUP_MS latency. */
  profileLookup?: ProfileLookup;
  /** Spans of requests, the profile lookup and the cache lock wait; the Redis clients are instrumented where they are made. */
  tracing?: Tracing;
}

/** Builds the HTTP API from its dependencies; it opens no sockets and installs no signal handlers. */
export function createApp({ config, redis, durableRedis, logger, metrics, servedBy, profileLookup, tracing }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Our ETags come from the cache entry; Express's default would hash every body again.
  app.set('etag', false);
  app.set('trust proxy', config.TRUST_PROXY);

  const scripts = registerScripts(redis);
  const run = createRedisRunner(redis, config.REDIS_FAILOVER_HOLD_MS);
  const replicated = { replicas: config.REDIS_WAIT_REPLICAS, timeoutMs: config.REDIS_WAIT_TIMEOUT_MS };
  if (replicated.replicas > 0 && !durableRedis) throw new Error('REDIS_WAIT_REPLICAS > 0 needs a durableRedis connection');
  const durableWrite = durableRedis && replicated.replicas > 0
    ? createDurableWrite(durableRedis, createRedisRunner(durableRedis, config.REDIS_FAILOVER_HOLD_MS), replicated)
    : createDurableWrite(redis, run, { ...replicated, replicas: 0 });
  const sessions = createSessionStore(durableWrite, config.SESSION_TTL_SECONDS);
  const users = createUserStore(redis, run, config.PASSWORD_SCRYPT_COST);
  const apiLimiter = createRateLimiter(scripts, run, 'api', config.RATE_LIMIT_MAX, config.RATE_LIMIT_WINDOW_SECONDS);
  const loginLimiter = createRateLimiter(scripts, run, 'login', config.LOGIN_RATE_LIMIT_MAX, config.LOGIN_RATE_LIMIT_WINDOW_SECONDS);
  const passwordLimiter = createRateLimiter(scripts, run, 'password', config.PASSWORD_RATE_LIMIT_MAX, config.PASSWORD_RATE_LIMIT_WINDOW_SECONDS);
  const cache = createCache(
    redis,
    scripts,
    { ttlSeconds: config.CACHE_TTL_SECONDS, lockMs: Math.max(1000, config.PROFILE_LOOKUP_MS * 5), pollMs: 20 },
    {
      hit: () => metrics.cacheHits.inc(),
      miss: () => metrics.cacheMisses.inc(),
      error: (operation, error) => {
        metrics.redisErrors.inc({ operation });
        logger.warn({ err: error, operation }, 'cache degraded to direct lookup');
      },
    },
    tracing,
  );
  const lookup = profileLookup ?? simulatedProfileLookup(config.PROFILE_LOOKUP_MS);
  const tracedLookup: ProfileLookup = tracing ? (username) => tracing.inSpan('profile.lookup', () => lookup(username)) : lookup;
  const countedLookup: ProfileLookup = (username) => {
    metrics.profileLookups.inc();
    return tracedLookup(username);
  };

  const onLimited = (limiter: string) => metrics.rateLimited.inc({ limiter });
  const apiLimit = rateLimit({ limiter: apiLimiter, keyOf: clientAddress, onLimited });
  const requireSession = sessionGuard({
    scripts,
    run,
    limiter: apiLimiter,
    sessions,
    keyOf: clientAddress,
    onLimited,
    onRejected: (reason) => metrics.sessionsRejected.inc({ reason }),
  });
  const auth = authHandlers({
    users,
    sessions,
    loginLimiter,
    passwordLimiter,
    allowRegistration: config.ALLOW_REGISTRATION,
    cookieSecure: config.COOKIE_SECURE,
    events: {
      sessionCreated: () => metrics.sessionsCreated.inc(),
      sessionRejected: (reason) => metrics.sessionsRejected.inc({ reason }),
      rateLimited: onLimited,
    },
  });

  // First, so that the request's span covers everything that follows.
  if (tracing) app.use(tracing.requests);
  app.use(identity(servedBy));
  app.use(onRequestEnd(httpLogger(logger, tracing), httpMetrics(metrics.httpDuration)));
  app.use(
    helmet({
      // A JSON API serves no documents: forbid everything a browser could load or frame.
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      xFrameOptions: { action: 'deny' },
      // Headers that only govern documents, or browsers long gone (IE8, Flash, XSS auditors): each
      // costs a setHeader on every response and protects nothing a JSON API serves.
      crossOriginOpenerPolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
  );

  // Every route and its guards. Anonymous routes count the API limit per client; the others pass
  // the session guard, which counts the same limit and reads the session in one Redis command.
  // Guards sit in each route's own stack, so that metrics and logs know the route template even
  // for a request a guard refused. Probes and /metrics are answered outside Express (server.ts).
  app.post('/auth/register', apiLimit, auth.jsonBody, auth.register);
  app.post('/auth/login', apiLimit, auth.jsonBody, auth.login);
  app.post('/auth/logout', apiLimit, auth.logout);
  app.get('/auth/session', requireSession, auth.session);
  app.get('/profile', requireSession, profileHandler({ cache, lookup: countedLookup }));
  app.get('/work', requireSession, workHandler({ maxMs: config.WORK_MAX_MS }));
  // After the API routes, which are matched first; built once, never per request.
  app.get('/openapi.json', contractHandler(buildContract({ version: packageVersion(), workMaxMs: config.WORK_MAX_MS })));

  // Reached only by what no route answered: a known path with another method (405, or OPTIONS), else 404.
  app.use(methodNotAllowed(routeMethods(app.router)));
  app.use(notFound);
  app.use(errorHandler({ logger, onRedisError: (operation) => metrics.redisErrors.inc({ operation }) }));
  return app;
}
