// A made-up run folder in the exact shapes the harness and k6 write, for testing the report without
// a fleet: a 120 s churn at ~60 req/s over three replicas, two kills, a Redis restart with a burst of
// 503s, and optionally lost sessions.
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { BecameReady, Digest, K6Point, K6Tags, LogEvent, RunMeta, Sample, ThresholdRow } from './types.ts';

export interface SyntheticOptions {
  lostSessions?: number;
  seconds?: number;
  /** The cluster run's shapes (its events, the HPA sampler) instead of the fleet's. */
  cluster?: boolean;
}

export function writeSyntheticRun(dir: string, { lostSessions = 0, seconds = 120, cluster = false }: SyntheticOptions = {}): { requests: number; failed: number } {
  mkdirSync(dir, { recursive: true });
  const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  const lines: string[] = [];
  const point = (metric: string, ms: number, value: number, tags: K6Tags): void => {
    const p: K6Point = { metric, type: 'Point', data: { time: new Date(ms).toISOString(), value, tags } };
    lines.push(JSON.stringify(p));
  };
  let rand = 7;
  const rnd = (): number => (rand = (rand * 1103515245 + 12345) % 2147483648) / 2147483648;
  let requests = 0;
  let failed = 0;
  const names = ['fleet-0-g0', 'fleet-1-g0', 'fleet-2-g0'];
  for (let s = 0; s < seconds; s += 1) {
    if (s === 40) names[1] = 'fleet-1-g1';
    if (s === 80) names[2] = 'fleet-2-g1';
    for (let i = 0; i < 60; i += 1) {
      const ms = t0 + s * 1000 + i * 16;
      const redisDown = s >= 60 && s < 62;
      const status = redisDown && i % 2 === 0 ? '503' : '200';
      const ok = status === '200';
      const tags = { name: 'GET /work', method: 'GET', status, expected_response: String(ok), scenario: 'api' };
      point('http_reqs', ms, 1, tags);
      point('http_req_failed', ms, ok ? 0 : 1, tags);
      point('http_req_duration', ms, 20 + rnd() * 40 + (s % 40 < 3 ? 150 : 0), tags);
      point('replica_responses', ms, 1, { served_by: names[i % 3] });
      requests += 1;
      if (!ok) failed += 1;
    }
  }
  for (let k = 0; k < lostSessions; k += 1) point('session_lost', t0 + 61000 + k, 1, { name: 'GET /profile' });
  writeFileSync(join(dir, 'k6-churn.json.gz'), gzipSync(lines.join('\n')));

  const ev = (t: number, event: string, target: string, detail = '') =>
    JSON.stringify({ t: new Date(t0 + t * 1000).toISOString(), ms: t * 1000, event, target, detail } satisfies LogEvent);
  const events = [ev(0, 'load-start', 'k6'), ev(seconds, 'load-end', 'k6', 'exit 0')];
  const samples: string[] = [];
  if (cluster) {
    events.splice(1, 0, ev(30, 'pod-delete', 'xwing-7d9-abcde'), ev(55, 'rollout-restart', 'xwing'),
      ev(70, 'rollout-done', 'xwing'), ev(85, 'redis-delete', 'xwing-redis-0'), ev(97, 'redis-ready', 'xwing-redis-0'));
    for (let t = -10; t <= seconds; t += 5) {
      const cpu = t < 0 ? 5 : t < 60 ? 40 + t * 1.5 : Math.max(10, 130 - (t - 60) * 2);
      const desired = t < 20 ? 2 : t < 90 ? 5 : 3;
      // The HPA decides at 19 s; its three pods are created at 19-20 s and Ready 3, 4 and 6 s after it;
      // the pod deleted at 30 s is replaced at 31 s, Ready 2 s after its creation.
      const lastScale = t < 20 ? t0 - 600_000 : t < 90 ? t0 + 19_000 : t0 + 89_000;
      const pod = (name: string, created: number, ready: number): BecameReady => ({ pod: name, created_ms: t0 + created * 1000, ready_ms: t0 + ready * 1000 });
      const becameReady = t === -10 ? [pod('xwing-old-1', -600, -590), pod('xwing-old-2', -600, -591)] : t === 25 ? [pod('xwing-new-1', 19, 22), pod('xwing-new-2', 19, 23), pod('xwing-new-3', 20, 25)] : t === 35 ? [pod('xwing-replaced', 31, 33)] : [];
      samples.push(JSON.stringify({ ts: t0 + t * 1000, replicas_desired: desired, replicas_current: desired, cpu_percent: Math.round(cpu), cpu_target: 60, hpa_min: 2, hpa_max: 8, pods_total: desired, pods_ready: t < 25 ? 2 : t < 95 ? 5 : 3, restarts: 0, deletions: t > 30 ? 1 : 0, redis_ready: !(t >= 85 && t < 97), hpa_last_scale_ms: lastScale, became_ready: becameReady } satisfies Sample));
    }
  } else {
    events.splice(1, 0, ev(38, 'sigterm', 'fleet-1-g0'), ev(40, 'start', 'fleet-1-g1'), ev(41, 'ready', 'fleet-1-g1'),
      ev(60, 'redis-stop', 'redis', 'SIGTERM'), ev(61.5, 'redis-start', 'redis'),
      ev(79, 'sigkill', 'fleet-2-g0'), ev(80, 'start', 'fleet-2-g1'), ev(81, 'ready', 'fleet-2-g1'));
    for (let t = 0; t <= seconds; t += 2) {
      const down = (t >= 38 && t < 41) || (t >= 79 && t < 81) ? 1 : 0;
      samples.push(JSON.stringify({ ts: t0 + t * 1000, replicas_desired: 3, replicas_current: 3 - down, pods_ready: 3 - down, restarts: t > 80 ? 2 : t > 40 ? 1 : 0, deletions: t > 79 ? 2 : t > 38 ? 1 : 0, cpu_percent: null } satisfies Sample));
    }
  }
  writeFileSync(join(dir, 'events.jsonl'), events.join('\n') + '\n');
  writeFileSync(join(dir, 'samples.jsonl'), samples.join('\n') + '\n');
  const thresholds: ThresholdRow[] = [
    { metric: 'session_lost', threshold: 'count==0', ok: lostSessions === 0 },
    { metric: 'http_req_failed', threshold: 'rate<0.02', ok: failed / requests < 0.02 },
    { metric: 'http_req_duration{expected_response:true}', threshold: 'p(95)<1500', ok: true },
    { metric: 'replicas_seen', threshold: 'max>=3', ok: true },
  ];
  const digest: Digest = {
    script: 'churn', base_url: 'http://127.0.0.1:18000', passed: thresholds.every((t) => t.ok),
    requests, request_rate: requests / seconds, failed, failed_rate: failed / requests, session_lost: lostSessions,
    p95_ms: 98.2, p99_ms: 171.4, replicas_seen_max: 3, dropped_iterations: 0, checks_rate: 1 - failed / requests,
    iterations: requests, thresholds,
  };
  writeFileSync(join(dir, 'digest-churn.json'), JSON.stringify(digest));
  const meta: RunMeta = cluster
    ? { kind: 'cluster', label: 'synthetic: release xwing via NodePort' }
    : { kind: 'fleet', label: 'synthetic: 3 processes behind nginx' };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(meta));
  return { requests, failed };
}
