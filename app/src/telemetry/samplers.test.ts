import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import type { TRACE_SAMPLERS } from '../config.ts';
import { samplerFor } from './samplers.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function parent(sampled: boolean): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
}

function sampled(name: (typeof TRACE_SAMPLERS)[number], ratio: number, context: Context): boolean {
  return samplerFor(name, ratio).shouldSample(context, TRACE_ID, 'GET /auth/session', SpanKind.SERVER, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED;
}

describe('samplers', () => {
  // [sampler, ratio, a root is sampled, a child of a sampled parent is, a child of an unsampled parent is]
  it.each([
    ['always_on', 0, true, true, true],
    ['always_off', 1, false, false, false],
    ['traceidratio', 1, true, true, true],
    ['traceidratio', 0, false, false, false],
    ['parentbased_always_on', 0, true, true, false],
    ['parentbased_always_off', 1, false, true, false],
    ['parentbased_traceidratio', 1, true, true, false],
    ['parentbased_traceidratio', 0, false, true, false],
  ] as const)('%s with ratio %s', (name, ratio, root, sampledParent, unsampledParent) => {
    expect([sampled(name, ratio, ROOT_CONTEXT), sampled(name, ratio, parent(true)), sampled(name, ratio, parent(false))]).toEqual([root, sampledParent, unsampledParent]);
  });
});
