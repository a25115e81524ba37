// Enough CPU work through the Service to push the HPA past its target, then a ramp down and a quiet
// tail so the scale-in is on the same chart. Users log in once in setup(); tokens travel in setup data.
import { sleep } from 'k6';
import { num } from './lib/config.js';
import { thresholds, summaryTrendStats } from './lib/thresholds.js';
import { makeHandleSummary } from './lib/summary.js';
import { runPrefix, setupUsers } from './lib/users.js';
import { apiRequest } from './lib/traffic.js';

const START_RATE = num('START_RATE', 5);
const PEAK_RATE = num('PEAK_RATE', 30);
const TAIL_RATE = num('TAIL_RATE', 2);
const USERS = num('USERS', 200);
const VUS = num('VUS', 50);
// Registering and logging in USERS costs scrypt CPU, enough to scale the HPA out on its own. Sleeping
// SETTLE_S seconds after that lets it come back to its minimum, so the ramp starts from a quiet fleet.
const SETTLE_S = num('SETTLE_S', 0);

export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate',
      exec: 'ramp',
      startRate: START_RATE,
      timeUnit: '1s',
      preAllocatedVUs: VUS,
      maxVUs: num('MAX_VUS', VUS * 6),
      stages: [
        { target: PEAK_RATE, duration: __ENV.RAMP_UP || '2m' },
        { target: PEAK_RATE, duration: __ENV.HOLD || '3m' },
        { target: TAIL_RATE, duration: __ENV.RAMP_DOWN || '1m' },
        { target: TAIL_RATE, duration: __ENV.TAIL || '3m' },
      ],
    },
  },
  noVUConnectionReuse: true,
  setupTimeout: `${300 + SETTLE_S}s`,
  thresholds: thresholds(),
  summaryTrendStats,
};

export function setup() {
  const users = setupUsers(`${runPrefix('s')}u`, USERS);
  sleep(SETTLE_S);
  return { users };
}

export function ramp(data) {
  apiRequest(data.users, 0.8, 0.2);
}

export const handleSummary = makeHandleSummary('scale-out');
