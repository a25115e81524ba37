import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { loggingFailures } from './export-failures.ts';
import { instrumentRedis } from './redis-spans.ts';
import { requestSpans } from './request-spans.ts';
import { samplerFor } from './samplers.ts';
import { errorType, recordingParent, type TraceScope } from './scope.ts';
import type { Tracing, TracingDeps, TracingSettings } from './tracing.ts';

/**
 * The SDK wired by hand: `@opentelemetry/sdk-trace` (the provider without the environment
 * defaults of sdk-trace-base, as our config is read once, in config.ts), spans batched and posted
 * as OTLP/JSON. Nothing is registered globally: the tracer, the context manager and the
 * propagator are handed to the instrumentations that use them. The exporter still reads the
 * specification's OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT and _COMPRESSION itself when they are set.
 */
export function createOtelTracing(settings: TracingSettings & { url: string }, { logger, servedBy, version }: TracingDeps): Tracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': settings.OTEL_SERVICE_NAME,
      'service.version': version,
      'service.instance.id': servedBy,
    }),
    sampler: samplerFor(settings.OTEL_TRACES_SAMPLER, settings.OTEL_TRACES_SAMPLER_ARG),
    spanProcessors: [new BatchSpanProcessor({ exporter: loggingFailures(new OTLPTraceExporter({ url: settings.url }), logger) })],
  });
  const contexts = new AsyncLocalStorageContextManager().enable();
  const scope: TraceScope = { tracer: provider.getTracer('xwing', version), contexts };
  const requests = requestSpans(scope, new W3CTraceContextPropagator());
  // Without the URL's user and password, should it carry any.
  const { origin, pathname } = new URL(settings.url);
  logger.info({ url: `${origin}${pathname}`, sampler: settings.OTEL_TRACES_SAMPLER, ratio: settings.OTEL_TRACES_SAMPLER_ARG }, 'tracing on');

  return {
    requests: requests.middleware,
    logFields: requests.logFields,
    instrumentRedis: (redis) => instrumentRedis(scope, redis),
    async inSpan(name, work) {
      const parent = recordingParent(scope);
      if (parent === undefined) return work();
      const span = scope.tracer.startSpan(name, { kind: SpanKind.INTERNAL }, parent);
      try {
        return await contexts.with(trace.setSpan(parent, span), work);
      } catch (error) {
        span.setAttribute('error.type', errorType(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
    async shutdown(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'gave up'>((resolve) => {
        timer = setTimeout(() => resolve('gave up'), timeoutMs).unref();
      });
      const flushed = provider.shutdown().then(
        () => 'flushed' as const,
        (error: unknown) => {
          logger.warn({ err: error }, 'trace export failed at shutdown');
          return 'failed' as const;
        },
      );
      const outcome = await Promise.race([flushed, gaveUp]);
      clearTimeout(timer);
      if (outcome === 'gave up') logger.warn({ timeoutMs }, 'trace export still pending at shutdown; its spans are dropped');
      contexts.disable();
    },
  };
}
