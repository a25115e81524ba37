import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

export type TracingSettings = Pick<
  Config,
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_SERVICE_NAME'
  | 'OTEL_TRACES_SAMPLER'
  | 'OTEL_TRACES_SAMPLER_ARG'
>;

/** The OpenTelemetry names of the ids in a log line, so that a log backend links the line to its trace. */
export interface TraceLogFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
}

/**
 * Tracing, when it is on. Everything that uses it takes it as an optional dependency and, without
 * it, does exactly what it did before: no span objects, no context, no per-request work.
 */
export interface Tracing {
  /** Express middleware, first in the stack: the SERVER span of each request, a child of its `traceparent`. */
  readonly requests: RequestHandler;
  /** The ids of the span `res` is answered in, for the request's log line. */
  logFields(res: ServerResponse): TraceLogFields | undefined;
  /** Makes each command and script `redis` sends within a traced request a CLIENT span. */
  instrumentRedis(redis: Redis): void;
  /** Runs `work` in an INTERNAL span, a child of the current request's; outside a traced request it only runs `work`. */
  inSpan<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Exports the spans still buffered and stops; gives up after `timeoutMs` so that exit is never held up for long. */
  shutdown(timeoutMs: number): Promise<void>;
}

/** The URL spans are posted to, or undefined when tracing is off. */
export function tracesUrl(settings: TracingSettings): string | undefined {
  if (settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = settings.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return undefined;
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

export interface TracingDeps {
  logger: Logger;
  /** `service.instance.id`: the pod name. */
  servedBy: string;
  /** `service.version`. */
  version: string;
}

/**
 * The SDK and the exporter are imported here and only here, and only when an endpoint is set: a
 * process without one never loads a module of OpenTelemetry.
 */
export async function loadTracing(settings: TracingSettings, deps: TracingDeps): Promise<Tracing | undefined> {
  const url = tracesUrl(settings);
  if (url === undefined) return undefined;
  const { createOtelTracing } = await import('./otel.ts');
  return createOtelTracing({ ...settings, url }, deps);
}
