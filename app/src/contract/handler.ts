import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ifNoneMatch } from '../http/conditional.ts';

/** GET /openapi.json: the document serialised once, with an ETag, so that a request costs a header check. */
export function contractHandler(document: object): RequestHandler {
  const body = JSON.stringify(document);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return (req, res) => {
    res.setHeader('ETag', etag);
    if (ifNoneMatch(req.headers['if-none-match'], etag)) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(body);
  };
}
