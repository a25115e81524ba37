import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Cache } from '../cache/cache.ts';
import { ifNoneMatch } from '../http/conditional.ts';
import { currentSession } from '../sessions/request.ts';
import type { ProfileLookup } from './lookup.ts';

interface CachedProfile {
  etag: string;
  body: string;
}

/** GET /profile, behind the session guard: the user's profile from the cache or the lookup, with an ETag. */
export function profileHandler(deps: { cache: Cache; lookup: ProfileLookup }): RequestHandler {
  return async (req, res) => {
    const { username } = currentSession(res);
    // The body is serialised and its ETag computed once, at fill time, so hits cost no JSON work.
    const { value, hit } = await deps.cache.getOrLoad<CachedProfile>(`profile:${username}`, async () => {
      const body = JSON.stringify(await deps.lookup(username));
      return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    });
    res.setHeader('X-Cache', hit ? 'HIT' : 'MISS');
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('Vary', 'Authorization, Cookie');
    res.setHeader('ETag', value.etag);
    if (ifNoneMatch(req.headers['if-none-match'], value.etag)) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(value.body);
  };
}
