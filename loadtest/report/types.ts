// The files of a run folder (see loadtest/README.md) as the report reads them, and the run it draws.

/** The tags k6 keeps on a streamed sample (SYSTEM_TAGS in loadtest/k6.ts), plus the replica's name. */
export interface K6Tags {
  name?: string;
  method?: string;
  status?: string;
  scenario?: string;
  expected_response?: string;
  error_code?: string;
  check?: string;
  served_by?: string;
}

/** One sample of k6's `--out json` stream. */
export interface K6Point {
  type: 'Point';
  metric: string;
  data: { time: string; value: number; tags?: K6Tags | null };
}

/** One of k6's threshold verdicts as lib/summary.js lists them. */
export interface ThresholdRow {
  metric: string;
  threshold: string;
  ok: boolean;
}

/** digest-<script>.json, from lib/summary.js; a percentile k6 did not compute is absent. */
export interface Digest {
  script: string;
  base_url: string;
  passed: boolean;
  requests: number;
  request_rate: number;
  failed: number;
  failed_rate: number;
  session_lost: number;
  p95_ms?: number;
  p99_ms?: number;
  replicas_seen_max: number;
  dropped_iterations: number;
  checks_rate: number | null;
  iterations: number;
  thresholds: ThresholdRow[];
}

/** An events.jsonl line: the harness's EventLog (harness/results.ts), as the load runs write it. */
export interface LogEvent {
  t: string;
  ms: number;
  event: string;
  target: string;
  detail?: string;
}

/** An event on the report's clock: `t` in seconds since the load start. */
export interface RunEvent {
  ts: number;
  kind: string;
  target: string;
  detail?: string;
  t: number;
}

/** A pod first seen Ready by the cluster sampler, with the API's creation and Ready times. */
export interface BecameReady {
  pod: string;
  created_ms: number;
  ready_ms: number | null;
}

/** The numeric readings of a samples.jsonl line; null where the cluster had none (no HPA, no metrics yet). */
export type Gauge =
  | 'replicas_desired'
  | 'replicas_current'
  | 'cpu_percent'
  | 'cpu_target'
  | 'hpa_min'
  | 'hpa_max'
  | 'pods_total'
  | 'pods_terminating'
  | 'pods_ready'
  | 'restarts'
  | 'deletions'
  | 'hpa_last_scale_ms';

/** A samples.jsonl line: the cluster sampler writes every field, the fleet's sampler a few. */
export interface Sample extends Partial<Record<Gauge, number | null>> {
  ts: number;
  redis_ready?: boolean;
  became_ready?: BecameReady[];
}

/** One time bucket of the k6 stream; `t` is its start, in seconds since the load start. */
export interface Bucket {
  t: number;
  rps: number;
  failedPerS: number;
  failed: number;
  p50: number | null;
  p95: number | null;
  lost: number;
  dropped: number;
  /** Replica names that answered in the window ending with this bucket. */
  answering: number;
}

export interface ReplicaTotal {
  name: string;
  requests: number;
  first: number;
  last: number;
}

/** nginx's retries on another upstream, from the fleet's access log. */
export interface NginxRetries {
  total: number;
  retried: number;
  retriedFailed: number;
}

/** A run folder read and bucketed (data.ts). */
export interface LoadedRun {
  script: string;
  digest: Digest | null;
  /** Epoch ms of the load start (of the first request without a load-start event). */
  t0: number;
  span: number;
  bucketS: number;
  windowS: number;
  series: Bucket[];
  /** On the report's clock: `t` in seconds since the load start. */
  samples: (Sample & { t: number })[];
  events: RunEvent[];
  replicas: ReplicaTotal[];
  failedByStatus: [string, number][];
  nginx: NginxRetries | null;
}

/** run.json, written by the harness that made the run. */
export interface RunMeta {
  kind?: string;
  label?: string;
}

/** The run with what the report adds from the folder's name and run.json. */
export interface Run extends LoadedRun {
  runId: string;
  kind: string;
  kindLabel: string;
  peakAnswering: number;
}

export interface Verdict {
  rows: ThresholdRow[];
  passed: boolean;
  /** The p(95) bound of the latency threshold, drawn on the latency panel. */
  p95Limit: number | null;
}
