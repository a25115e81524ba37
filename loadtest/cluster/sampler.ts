// The cluster's state while k6 runs, one samples.jsonl line every few seconds for the report: HPA
// current and desired replicas, CPU utilisation and its target, ready/total/terminating API pods,
// container restarts, API pods deleted since the sampler started, whether Redis is ready, the HPA's
// last scale time, and each API pod once, when first seen Ready, with its creation and Ready times
// (the API's, 1 s resolution: the sampling interval does not blur them).
import { appendFileSync } from 'node:fs';
import { podReady, sleep, type Pod, type Release } from '../../harness/index.ts';
import type { BecameReady, Sample } from '../report/types.ts';

interface Metric {
  type: string;
  resource?: { name: string; current?: { averageUtilization?: number }; target?: { averageUtilization?: number } };
}

export interface Hpa {
  spec?: { minReplicas?: number; maxReplicas?: number; metrics?: Metric[] };
  status?: { desiredReplicas?: number; currentReplicas?: number; lastScaleTime?: string; currentMetrics?: Metric[] };
}

export interface ClusterState {
  ts: number;
  hpa: Hpa | undefined;
  pods: Pod[];
  redis: Pod[];
}

function ms(time: string | undefined): number | null {
  return time === undefined ? null : Date.parse(time);
}

function cpu(metrics: Metric[] | undefined, pick: (m: Metric) => number | undefined): number | null {
  const metric = metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  return (metric && pick(metric)) ?? null;
}

/** Turns what kubectl listed into samples, remembering deletions and which pods were already reported Ready. */
export class SampleBuilder {
  readonly #seen = new Set<string>();
  readonly #reportedReady = new Set<string>();
  #deletions = 0;

  sample({ ts, hpa, pods, redis }: ClusterState): Sample {
    // A pod name seen before and gone now was deleted (by the chaos loop, a rollout or a scale-in).
    const now = new Set(pods.map((pod) => pod.metadata.name));
    for (const name of this.#seen) {
      if (!now.has(name)) {
        this.#deletions += 1;
        this.#seen.delete(name);
      }
    }
    for (const name of now) this.#seen.add(name);
    const live = pods.filter((pod) => pod.metadata.deletionTimestamp === undefined);
    const ready = pods.filter(podReady);
    const becameReady: BecameReady[] = ready
      .filter((pod) => !this.#reportedReady.has(pod.metadata.name))
      .map((pod) => ({
        pod: pod.metadata.name,
        created_ms: ms(pod.metadata.creationTimestamp) ?? ts,
        ready_ms: ms(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime),
      }));
    for (const { pod } of becameReady) this.#reportedReady.add(pod);
    return {
      ts,
      replicas_desired: hpa?.status?.desiredReplicas ?? null,
      replicas_current: hpa?.status?.currentReplicas ?? null,
      cpu_percent: cpu(hpa?.status?.currentMetrics, (m) => m.resource?.current?.averageUtilization),
      cpu_target: cpu(hpa?.spec?.metrics, (m) => m.resource?.target?.averageUtilization),
      hpa_min: hpa?.spec?.minReplicas ?? null,
      hpa_max: hpa?.spec?.maxReplicas ?? null,
      pods_total: live.length,
      pods_terminating: pods.length - live.length,
      pods_ready: ready.length,
      restarts: pods.reduce((sum, pod) => sum + (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0), 0),
      deletions: this.#deletions,
      redis_ready: redis.some(podReady),
      hpa_last_scale_ms: ms(hpa?.status?.lastScaleTime),
      became_ready: becameReady,
    };
  }
}

/** The most ready API pods in the samples from `sinceMs` on (setup()'s scrypt work may scale the HPA out before any load). */
export function peakReady(samples: readonly Sample[], sinceMs: number): number {
  return Math.max(0, ...samples.filter((s) => s.ts >= sinceMs).map((s) => s.pods_ready ?? 0));
}

/** Samples every `intervalMs` into `path` while `running()` holds, for at most `maxMs`; resolves with the samples. */
export async function sampleCluster(release: Release, path: string, running: () => boolean, { intervalMs, maxMs }: { intervalMs: number; maxMs: number }): Promise<Sample[]> {
  const builder = new SampleBuilder();
  const samples: Sample[] = [];
  // A list kubectl could not give this time is an empty one: the sample shows the gap.
  const list = <T>(kind: string, selector: string) => release.list<T>(kind, selector).catch((): T[] => []);
  for (let i = 0; i < maxMs / intervalMs && running(); i++) {
    const ts = Date.now();
    const [hpas, pods, redis] = await Promise.all([list<Hpa>('hpa', release.selector), list<Pod>('pods', release.apiSelector), list<Pod>('pods', release.redisSelector)]);
    const sample = builder.sample({ ts, hpa: hpas[0], pods, redis });
    appendFileSync(path, `${JSON.stringify(sample)}\n`);
    samples.push(sample);
    await sleep(intervalMs);
  }
  return samples;
}
