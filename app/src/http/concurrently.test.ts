import express, { type RequestHandler } from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { concurrently } from './concurrently.ts';
import { HttpProblem } from './problem.ts';

const after = (ms: number, fn: RequestHandler): RequestHandler => async (req, res, next) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return fn(req, res, next);
};

function appWith(guard: RequestHandler) {
  const app = express();
  app.get('/', guard, (_req, res) => res.json({ passed: true }));
  app.use(((error, _req, res, _next) => {
    res.status(error instanceof HttpProblem ? error.status : 500).json({ error: String(error) });
  }) as express.ErrorRequestHandler);
  return supertest(app);
}

describe('concurrently(...guards)', () => {
  it('starts every guard before any finishes, and continues when all pass', async () => {
    const events: string[] = [];
    const guard = (id: number): RequestHandler => (req, res, next) => {
      events.push(`start ${id}`);
      void after(20, () => {
        events.push(`end ${id}`);
        next();
      })(req, res, next);
    };
    await appWith(concurrently(guard(1), guard(2))).get('/').expect(200, { passed: true });
    // Run one after the other, the order would be start 1, end 1, start 2, end 2.
    expect(events.slice(0, 2)).toEqual(['start 1', 'start 2']);
  });

  it('reports the first failure in argument order, whichever settles first', async () => {
    const slowLimit = after(30, () => {
      throw new HttpProblem('rateLimited');
    });
    const fastAuth = after(1, () => {
      throw new HttpProblem('unauthenticated');
    });
    await appWith(concurrently(slowLimit, fastAuth)).get('/').expect(429);
    await appWith(concurrently(fastAuth, slowLimit)).get('/').expect(401);
  });

  it('accepts next(error) as a failure', async () => {
    await appWith(concurrently((_req, _res, next) => next(new HttpProblem('badRequest')))).get('/').expect(400);
  });
});
