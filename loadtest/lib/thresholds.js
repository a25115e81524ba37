import { limits } from './config.js';

// The same thresholds in every script.
//
// http_req_failed < MAX_FAILED_RATE (default 2 %): under churn a request fails honestly when
//  - a process is SIGKILLed while it holds a non-idempotent request (POST login/logout): the load
//    balancer must not replay it, so the client sees a 502;
//  - Redis restarts: for the second or two it is away every replica answers 503 + Retry-After by design
//    (sessions are not lost, they are unreachable), and no retry on another replica could help.
// Idempotent requests to a dead or dying replica are retried on the next upstream by nginx / end at
// kube-proxy's next endpoint, so they must not show up. With one Redis restart (~1-2 s) in a run of
// 60 s or more and a handful of kills, 2 % bounds the honest failures with margin while still failing
// a run where a kill or a restart costs more than a few seconds of errors.
export function thresholds(extra = {}) {
  return {
    session_lost: ['count==0'],
    http_req_failed: [`rate<${limits.failedRate}`],
    'http_req_duration{expected_response:true}': [`p(95)<${limits.p95Ms}`, `p(99)<${limits.p99Ms}`],
    replicas_seen: [`max>=${limits.minReplicas}`],
    ...extra,
  };
}

export const summaryTrendStats = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'];
