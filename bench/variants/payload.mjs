/** The body every baseline answers with: the same shape and size as xwing's GET /auth/session. */
export function sessionBody(username, createdAt, ttlSeconds) {
  return { username, createdAt, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
}

export const TTL_SECONDS = 3600;
export const CREATED_AT = '2026-01-01T00:00:00.000Z';
export const port = () => Number(process.env.PORT ?? 8080);
