// Variant 2: bare Express 5 (the same version as the service), its defaults, the same route and body.
import express from 'express';
import { CREATED_AT, port, sessionBody, TTL_SECONDS } from './payload.mjs';

const app = express();
app.get('/auth/session', (_req, res) => {
  res.json(sessionBody('bench', CREATED_AT, TTL_SECONDS));
});
app.listen(port());
