import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs guard middlewares side by side instead of one after the other. Each guard must either
 * call `next()` or fail (throw, reject or `next(error)`); none may answer the request itself.
 * When every guard passes, the chain goes on; otherwise the first failure in argument order wins.
 *
 * Its purpose is Redis round trips: guards that each send one command start in the same tick,
 * so ioredis's auto-pipelining puts both commands in one write and the request waits for one
 * round trip instead of two.
 */
export function concurrently(...guards: RequestHandler[]): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const outcomes = await Promise.allSettled(
      guards.map(
        (guard) =>
          new Promise<void>((resolve, reject) => {
            const done = (error?: unknown) => {
              if (error === undefined) resolve();
              else reject(error instanceof Error ? error : new Error('guard failed', { cause: error }));
            };
            Promise.resolve(guard(req, res, done)).catch(reject);
          }),
      ),
    );
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    next();
  };
}
