import { Counter, Trend } from 'k6/metrics';
import { REPLICA_WINDOW_MS } from './config.js';

// A 401 for a token that was valid and was never logged out: the one thing churn must not cause.
export const sessionLost = new Counter('session_lost');

// Distinct X-Served-By values this VU met in the last REPLICA_WINDOW_S seconds (a Trend, because k6
// thresholds on a Gauge only see its last value). k6 VUs share no memory,
// so no VU can count the fleet-wide total; with connections recycled per iteration each VU samples the
// whole fleet, and the summary's max is a lower bound of the replicas that served traffic at once.
export const replicasSeen = new Trend('replicas_seen');

// One sample per response tagged with the replica that answered: the exact fleet-wide count over time
// comes from these in the streamed output (see loadtest/report/).
export const replicaResponses = new Counter('replica_responses');

const lastSeen = new Map();
let lastReported = -1;
let lastReportAt = 0;

export function observeReplica(res) {
  const servedBy = res.headers['X-Served-By'];
  if (!servedBy) return;
  const now = Date.now();
  lastSeen.set(servedBy, now);
  replicaResponses.add(1, { served_by: servedBy });
  for (const [name, at] of lastSeen) {
    if (now - at > REPLICA_WINDOW_MS) lastSeen.delete(name);
  }
  // One sample a second per VU keeps the streamed output small; a change is reported at once.
  if (lastSeen.size !== lastReported || now - lastReportAt >= 1000) {
    replicasSeen.add(lastSeen.size);
    lastReported = lastSeen.size;
    lastReportAt = now;
  }
}
