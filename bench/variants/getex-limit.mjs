// Variant 9: the architecture's limit. Express 5 and one GETEX through ioredis per request (read the
// session, slide its expiry) and nothing else: no logging, metrics, headers or rate limit. Any
// session check kept in Redis costs at least this; xwing's GET /auth/session is measured against it.
import { randomBytes } from 'node:crypto';
import express from 'express';
import { Redis } from 'ioredis';
import { port, TTL_SECONDS } from './payload.mjs';

const redis = new Redis(process.env.REDIS_URL);
const key = (token) => `bench-limit:${token}`;

const app = express();
app.post('/auth/login', async (_req, res) => {
  const token = randomBytes(32).toString('base64url');
  await redis.set(key(token), JSON.stringify({ username: 'bench', createdAt: new Date().toISOString() }), 'EX', TTL_SECONDS);
  res.json({ token });
});
app.get('/auth/session', async (req, res) => {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  const raw = token === undefined ? null : await redis.getex(key(token), 'EX', TTL_SECONDS);
  if (raw === null) {
    res.status(401).json({ status: 401 });
    return;
  }
  const stored = JSON.parse(raw);
  res.json({ username: stored.username, createdAt: stored.createdAt, expiresAt: new Date(Date.now() + TTL_SECONDS * 1000).toISOString() });
});
app.listen(port());
// A clean exit on the bench's SIGTERM, so that node --cpu-prof writes its profile (make bench-profile).
process.once('SIGTERM', () => process.exit(0));
