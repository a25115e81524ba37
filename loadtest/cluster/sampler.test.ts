// The cluster sampler's record from what kubectl lists: the fields the report reads, deletions
// counted across samples, and each pod reported Ready once. (make load and make churn sample a real
// cluster through the same code.)
import { expect, test } from 'vitest';
import type { Pod } from '../../harness/index.ts';
import { peakReady, SampleBuilder, type Hpa } from './sampler.ts';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function pod(name: string, { ready = true, deleting = false, restarts = 0, created = 0, readyAt = 2 } = {}): Pod {
  return {
    metadata: { name, creationTimestamp: iso(created), ...(deleting ? { deletionTimestamp: iso(50) } : {}) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: iso(readyAt) }], containerStatuses: [{ restartCount: restarts }] },
  };
}

const hpa: Hpa = {
  spec: { minReplicas: 2, maxReplicas: 6, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { averageUtilization: 70 } } }] },
  status: { desiredReplicas: 3, currentReplicas: 2, lastScaleTime: iso(10), currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 93 } } }] },
};

test('a sample has the HPA, the pods and Redis as the report reads them', () => {
  const sample = new SampleBuilder().sample({ ts: T0, hpa, pods: [pod('a', { restarts: 1 }), pod('b', { ready: false, restarts: 2 }), pod('c', { deleting: true })], redis: [pod('redis-0')] });
  expect(sample).toEqual({
    ts: T0, replicas_desired: 3, replicas_current: 2, cpu_percent: 93, cpu_target: 70, hpa_min: 2, hpa_max: 6,
    pods_total: 2, pods_terminating: 1, pods_ready: 1, restarts: 3, deletions: 0, redis_ready: true,
    hpa_last_scale_ms: T0 + 10_000,
    became_ready: [{ pod: 'a', created_ms: T0, ready_ms: T0 + 2000 }],
  });
});

test('without an HPA or metrics the readings are null, and Redis not ready shows', () => {
  const sample = new SampleBuilder().sample({ ts: T0, hpa: undefined, pods: [], redis: [pod('redis-0', { ready: false })] });
  expect(sample).toMatchObject({ replicas_desired: null, cpu_percent: null, cpu_target: null, hpa_last_scale_ms: null, pods_ready: 0, redis_ready: false, became_ready: [] });
});

test('a pod gone since the last sample counts as deleted, and a Ready pod is reported once', () => {
  const builder = new SampleBuilder();
  builder.sample({ ts: T0, hpa, pods: [pod('a'), pod('b', { ready: false })], redis: [] });
  const second = builder.sample({ ts: T0 + 5000, hpa, pods: [pod('b', { readyAt: 4 }), pod('d', { created: 3, readyAt: 6 })], redis: [] });
  expect(second.deletions).toBe(1);
  expect(second.became_ready?.map((p) => p.pod)).toEqual(['b', 'd']);
  const third = builder.sample({ ts: T0 + 10_000, hpa, pods: [pod('d')], redis: [] });
  expect(third.deletions).toBe(2);
  expect(third.became_ready).toEqual([]);
});

test("the scale-out's peak counts only the samples from the load start on", () => {
  const samples = [{ ts: T0, pods_ready: 6 }, { ts: T0 + 5000, pods_ready: 2 }, { ts: T0 + 10_000, pods_ready: 4 }, { ts: T0 + 15_000, pods_ready: null }];
  expect(peakReady(samples, T0 + 5000)).toBe(4);
  expect(peakReady(samples, T0)).toBe(6);
  expect(peakReady(samples, T0 + 60_000)).toBe(0);
});
