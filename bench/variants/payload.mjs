/** The body every baseline answers with: the same shape and size as xwing's GET /auth/session. */
export function sessionBody(username, createdAt, ttlSeconds) {
  return { username, createdAt, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
}

export const TTL_SECONDS = 3600;
export const CREATED_AT = '2026-01-01T00:00:00.000Z';
export const port = () => Number(process.env.PORT ?? 8080);

/** express-session's POST /auth/login and GET /auth/session (variants 5 and 8): the bench logs in once for a cookie. */
export function sessionRoutes(app) {
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
}
