import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Command, Redis } from 'ioredis';
import { errorType, recordingParent, type TraceScope } from './scope.ts';

type SendCommand = Redis['sendCommand'];

/** What a pipeline of ioredis does that its public type does not show. */
interface QueueingPipeline {
  sendCommand(command: Command): unknown;
  addBatch(commands: unknown[][]): unknown;
}

/**
 * A CLIENT span for each command and script a traced request sends: from the moment the caller
 * issues it to its reply, so queueing in a pipeline counts as the caller waits for it. Only the
 * command's name is recorded, never an argument: keys embed session digests, values hold
 * sessions, and SET NX of a user record holds a password hash.
 *
 * Every command passes through `sendCommand` of the client or of a pipeline, synchronously in the
 * caller's context; automatic pipelining queues commands on a pipeline the client makes with
 * `pipeline()` and sends them a tick later, with the context of whichever request came first, so
 * the span starts where the command is queued and the send of the batch is not traced again. The
 * app sends no MULTI, whose queue this would not see.
 */
export function instrumentRedis(scope: TraceScope, redis: Redis): void {
  const scriptNames = new Map<string, string>();
  /** The name an EVALSHA's digest was defined under (scripts.ts); defined after the client is made, so looked up late. */
  const scriptName = (sha: unknown): string | undefined => {
    if (typeof sha !== 'string') return undefined;
    if (!scriptNames.has(sha)) {
      const defined: Record<string, { sha: string }> = redis.scriptsSet;
      for (const [name, script] of Object.entries(defined)) scriptNames.set(script.sha, name);
    }
    return scriptNames.get(sha);
  };

  const traced = (command: Command): void => {
    const parent = recordingParent(scope);
    if (parent === undefined) return;
    const operation = command.name.toUpperCase();
    const script = operation === 'EVALSHA' ? scriptName(command.args[0]) : undefined;
    const span = scope.tracer.startSpan(
      script === undefined ? operation : `${operation} ${script}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'redis',
          'db.operation.name': operation,
          ...(script === undefined ? {} : { 'db.stored_procedure.name': script }),
        },
      },
      parent,
    );
    command.promise.then(
      () => span.end(),
      (error: unknown) => {
        span.setAttribute('error.type', errorType(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    );
  };

  const sendCommand: SendCommand = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    // With a stream, a pipeline is handing over a command it already queued (and traced).
    if (stream === undefined) traced(command);
    return sendCommand(command, stream);
  };

  const pipeline = redis.pipeline.bind(redis);
  redis.pipeline = (commands?: unknown[][]) => {
    const batch = pipeline();
    const queueing = batch as unknown as QueueingPipeline;
    const queue = queueing.sendCommand.bind(queueing);
    queueing.sendCommand = (command) => {
      traced(command);
      return queue(command);
    };
    if (commands) queueing.addBatch(commands);
    return batch;
  };
}
