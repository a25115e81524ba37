// Steady load while a chaos loop outside k6 kills replicas (and restarts Redis once): every logged-in
// user must stay logged in. The chaos loop is loadtest/fleet/run.sh (processes) or
// loadtest/cluster/chaos.sh (pods); this script is the same for both.
import { num } from './lib/config.js';
import { thresholds, summaryTrendStats } from './lib/thresholds.js';
import { makeHandleSummary } from './lib/summary.js';
import { runPrefix, setupUsers } from './lib/users.js';
import { apiRequest, sessionCycle } from './lib/traffic.js';

const RATE = num('RATE', 60);
const CYCLE_RATE = num('CYCLE_RATE', 2);
const DURATION = __ENV.DURATION || '90s';
const USERS = num('USERS', 100);
const CYCLE_USERS = num('CYCLE_USERS', 40);
const VUS = num('VUS', 100);

export const options = {
  scenarios: {
    api: {
      executor: 'constant-arrival-rate',
      exec: 'api',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: VUS,
      maxVUs: VUS * 4,
    },
    sessions: {
      executor: 'constant-arrival-rate',
      exec: 'sessions',
      rate: CYCLE_RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: 5,
      maxVUs: 20,
    },
  },
  // A fresh connection per iteration: a balancer that picks per connection (kube-proxy) then spreads
  // iterations over the replicas that exist now, including ones started a second ago.
  noVUConnectionReuse: true,
  setupTimeout: '180s',
  thresholds: thresholds(),
  summaryTrendStats,
};

export function setup() {
  const prefix = runPrefix('c');
  return { users: setupUsers(`${prefix}u`, USERS), cycleUsers: setupUsers(`${prefix}s`, CYCLE_USERS) };
}

export function api(data) {
  apiRequest(data.users, 0.5, 0.3);
}

export function sessions(data) {
  sessionCycle(data.cycleUsers);
}

export const handleSummary = makeHandleSummary('churn');
