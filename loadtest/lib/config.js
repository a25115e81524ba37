// Settings shared by every script. All come from the environment so the same script runs against
// `make run`, the loopback fleet (nginx) and a cluster NodePort without edits.

function num(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
// The metrics port is not behind the load balancer; smoke checks it only when told where it is.
export const METRICS_URL = (__ENV.METRICS_URL || '').replace(/\/+$/, '');
export const RUN_DIR = (__ENV.RUN_DIR || 'results/adhoc').replace(/\/+$/, '');

export const limits = {
  // Share of failed requests tolerated; see lib/thresholds.js for why this is honest under churn.
  failedRate: num('MAX_FAILED_RATE', 0.02),
  p95Ms: num('P95_MS', 1500),
  p99Ms: num('P99_MS', 4000),
  minReplicas: num('MIN_REPLICAS', 1),
};

// The replica window: replicas_seen counts the X-Served-By values one VU met in this many seconds.
export const REPLICA_WINDOW_MS = num('REPLICA_WINDOW_S', 20) * 1000;

export { num };
