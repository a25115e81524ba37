// Variant 5: the session check written the common way: express-session + connect-redis (node-redis)
// over the same Redis, with xwing's own pino logger and request-log middleware.
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { port, TTL_SECONDS } from './payload.mjs';
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
// The bench logs in once to get a cookie; the measured route is GET /auth/session.
app.post('/auth/login', (req, res) => {
  req.session.username = 'bench';
  req.session.createdAt = new Date().toISOString();
  res.json({ ok: true });
});
app.get('/auth/session', (req, res) => {
  if (!req.session.username) {
    res.status(401).json({ status: 401 });
    return;
  }
  res.setHeader('Cache-Control', 'no-store');
  res.json({ username: req.session.username, createdAt: req.session.createdAt, expiresAt: req.session.cookie.expires });
});
app.listen(port());
