import { trace, type Context, type ContextManager, type Tracer } from '@opentelemetry/api';

/** What every span of the process is made with; passed to each instrumentation, never kept globally. */
export interface TraceScope {
  tracer: Tracer;
  /** The active context of the async chain a piece of code runs in (AsyncLocalStorage). */
  contexts: ContextManager;
}

/**
 * The context of the traced request this code runs for, or undefined when there is none or its
 * span is not being recorded (not sampled): then no child span is made at all, which keeps the
 * unsampled share of requests nearly as cheap as with tracing off.
 */
export function recordingParent(scope: TraceScope): Context | undefined {
  const active = scope.contexts.active();
  return trace.getSpan(active)?.isRecording() ? active : undefined;
}

/** `error.type`: the class of what failed, never its message, which may quote a value. */
export function errorType(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
