import type { ServerResponse } from 'node:http';
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapPropagator } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { routeTemplate } from '../http/route-template.ts';
import type { TraceScope } from './scope.ts';
import type { TraceLogFields } from './tracing.ts';

/** The methods HTTP semantic conventions name; any other is recorded as `_OTHER`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

export interface RequestSpans {
  middleware: RequestHandler;
  logFields: (res: ServerResponse) => TraceLogFields | undefined;
}

/**
 * One SERVER span per request that reaches Express (probes are answered before it, and are not
 * traced), named by the route template once routing has found it. The query string is left out
 * of every attribute, and no header is recorded: tokens travel in headers.
 */
export function requestSpans(scope: TraceScope, propagator: TextMapPropagator): RequestSpans {
  const spans = new WeakMap<ServerResponse, Span>();

  const middleware: RequestHandler = (req, res, next) => {
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const method = KNOWN_METHODS.has(req.method) ? req.method : '_OTHER';
    const span = scope.tracer.startSpan(method === '_OTHER' ? 'HTTP' : method, { kind: SpanKind.SERVER }, parent);
    spans.set(res, span);
    if (!span.isRecording()) {
      next();
      return;
    }
    // Only now: no sampler here reads attributes, and most requests may not be sampled.
    span.setAttributes({ 'http.request.method': method, 'url.path': req.originalUrl.split('?')[0], 'url.scheme': req.protocol });
    res.once('close', () => {
      const route = routeTemplate(req);
      if (route !== 'unmatched') {
        span.setAttribute('http.route', route);
        span.updateName(`${method === '_OTHER' ? 'HTTP' : method} ${route}`);
      }
      if (res.writableFinished) {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) {
          span.setAttribute('error.type', String(res.statusCode));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      } else {
        // The client hung up before the answer was sent: nothing was answered, nothing failed here.
        span.setAttribute('xwing.request.aborted', true);
      }
      span.end();
    });
    // The body parser (raw-body) runs its callback in the context it was called in, so what a
    // handler does after reading a body still runs in this one; nothing needs binding here.
    scope.contexts.with(trace.setSpan(parent, span), next);
  };

  return {
    middleware,
    logFields(res) {
      const span = spans.get(res);
      if (span === undefined) return undefined;
      const { traceId, spanId, traceFlags } = span.spanContext();
      return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags.toString(16).padStart(2, '0') };
    },
  };
}
