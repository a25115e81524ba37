// Variant 6: the classic in-process Map of sessions (one process only: the design xwing replaces),
// with xwing's logger, as an upper bound for a session check that needs no network.
import { randomBytes } from 'node:crypto';
import express from 'express';
import { port, TTL_SECONDS } from './payload.mjs';
import { xwingLogging } from './logging.mjs';

const sessions = new Map();
const app = express();
app.disable('x-powered-by');
app.use(await xwingLogging());
app.post('/auth/login', (_req, res) => {
  const token = randomBytes(32).toString('base64url');
  sessions.set(token, { username: 'bench', createdAt: new Date().toISOString(), expiresAt: Date.now() + TTL_SECONDS * 1000 });
  res.json({ token });
});
app.get('/auth/session', (req, res) => {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  const found = token === undefined ? undefined : sessions.get(token);
  if (!found || found.expiresAt < Date.now()) {
    res.status(401).json({ status: 401 });
    return;
  }
  found.expiresAt = Date.now() + TTL_SECONDS * 1000;
  res.setHeader('Cache-Control', 'no-store');
  res.json({ username: found.username, createdAt: found.createdAt, expiresAt: new Date(found.expiresAt).toISOString() });
});
app.listen(port());
