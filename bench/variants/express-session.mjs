// Variant 5: the session check written the common way: express-session + connect-redis (node-redis)
// over the same Redis, with xwing's own pino logger and request-log middleware.
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { port, sessionRoutes, TTL_SECONDS } from './payload.mjs';
import { xwingLogging } from './logging.mjs';

const client = createClient({ url: process.env.REDIS_URL });
await client.connect();

const app = express();
app.disable('x-powered-by');
app.use(await xwingLogging());
app.use(
  session({
    store: new RedisStore({ client, prefix: 'bench-sess:', ttl: TTL_SECONDS }),
    secret: 'bench-only-secret',
    name: 'sid',
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: TTL_SECONDS * 1000 },
  }),
);
sessionRoutes(app);
app.listen(port());
