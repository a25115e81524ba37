import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { RedisUnavailableError } from '../redis/errors.ts';
import { requestIdOf } from './identity.ts';
import { HttpProblem, type ProblemKind } from './problem.ts';

/** Seconds a client should wait before retrying while Redis is unreachable. */
const REDIS_RETRY_AFTER_SECONDS = '2';

export function sendProblem(res: Response, problem: HttpProblem, instance: string): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  // RFC 9110 §15.5.2: every 401 must name the scheme to authenticate with, wherever it came from.
  if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="xwing"');
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.body(instance)));
}

/** body-parser and friends signal client mistakes with `type` or a 4xx `status`. */
function fromClientError(error: { type?: unknown; status?: unknown; statusCode?: unknown }): HttpProblem | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new HttpProblem('invalidBody', 'The body is not valid JSON.');
    case 'entity.too.large':
      return new HttpProblem('payloadTooLarge', 'The body exceeds the size limit.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem('unsupportedMediaType', 'The body encoding or charset is not supported.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpProblem('badRequest', 'The body could not be read.');
    default:
      break;
  }
  const status = Number(error.status ?? error.statusCode);
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    const kind: ProblemKind = status === 413 ? 'payloadTooLarge' : status === 415 ? 'unsupportedMediaType' : 'badRequest';
    return new HttpProblem(kind);
  }
  return undefined;
}

export interface ErrorHandlerDeps {
  logger: Logger;
  onRedisError: (operation: string) => void;
}

/** The one place errors become responses: problem+json, never a stack trace. */
export function errorHandler({ logger, onRedisError }: ErrorHandlerDeps): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    let problem: HttpProblem;
    if (error instanceof HttpProblem) {
      problem = error;
    } else if (error instanceof RedisUnavailableError) {
      onRedisError(error.operation);
      logger.warn({ err: error, reqId: requestIdOf(res) }, 'redis unavailable');
      problem = new HttpProblem('unavailable', 'A backing service is unavailable; retry shortly.', {
        headers: { 'Retry-After': REDIS_RETRY_AFTER_SECONDS },
      });
    } else {
      const clientProblem = typeof error === 'object' && error !== null ? fromClientError(error) : undefined;
      if (clientProblem) {
        problem = clientProblem;
      } else {
        logger.error({ err: error, reqId: requestIdOf(res) }, 'unhandled error');
        problem = new HttpProblem('internal');
      }
    }
    sendProblem(res, problem, req.originalUrl.split('?')[0] ?? '/');
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpProblem('notFound', `No route for ${req.method} ${req.path}.`));
};
