// Variant 8: the same features as xwing's GET /auth/session, assembled from the npm packages a user
// would pick, each configured the way its README recommends, over the same Redis:
// - pino-http with its defaults (one JSON line per request), redacting the request's credentials
//   (Authorization, Cookie) and the Set-Cookie it answers with, as xwing never logs them;
// - express-prom-bundle with method and path labels (xwing's histogram has method, route and
//   status code) and prom-client's default process metrics, which xwing collects too;
// - helmet() with its defaults;
// - express-rate-limit over rate-limit-redis with xwing's defaults of 600 requests per 60 s per
//   client (RATE_LIMIT_MAX/RATE_LIMIT_WINDOW_SECONDS, which the bench raises for every variant
//   alike, since all its requests come from 127.0.0.1) and the README's standard headers;
// - express-session over connect-redis with rolling: true, so that every request slides the
//   session's expiry in Redis (connect-redis's touch) and in the cookie, as xwing's GETEX does.
// It is a fair peer: every feature xwing pays for on this route is on, none is configured heavier
// than its README shows, and it uses node-redis, the client both Redis stores document first.
import { RedisStore as SessionStore } from 'connect-redis';
import express from 'express';
import promBundle from 'express-prom-bundle';
import { rateLimit } from 'express-rate-limit';
import session from 'express-session';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { RedisStore as RateLimitStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import { port, sessionRoutes, TTL_SECONDS } from './payload.mjs';

const client = createClient({ url: process.env.REDIS_URL });
await client.connect();

const app = express();
app.use(pinoHttp({ redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'] }));
app.use(promBundle({ includeMethod: true, includePath: true, promClient: { collectDefaultMetrics: {} } }));
app.use(helmet());
app.use(
  rateLimit({
    windowMs: Number(process.env.RATE_LIMIT_WINDOW_SECONDS ?? 60) * 1000,
    limit: Number(process.env.RATE_LIMIT_MAX ?? 600),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new RateLimitStore({ sendCommand: (...args) => client.sendCommand(args) }),
  }),
);
app.use(
  session({
    store: new SessionStore({ client, ttl: TTL_SECONDS }),
    secret: 'bench-only-secret',
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: TTL_SECONDS * 1000 },
  }),
);
sessionRoutes(app);
app.listen(port());
// A clean exit on the bench's SIGTERM, so that node --cpu-prof writes its profile (make bench-profile).
process.once('SIGTERM', () => process.exit(0));
