import http from 'k6/http';
import { BASE_URL } from './config.js';
import { sessionLost } from './metrics.js';

const PASSWORD = 'load-test-password-1';
const BATCH = 20;

// Registers `count` users named `<prefix>-<i>` and logs each in once. Returns [{username, token}] for
// setup() to hand to every VU: cookies set in setup() never reach the VUs' jars, so tokens travel
// explicitly. Batched so a few hundred scrypt hashes take seconds, not minutes.
export function setupUsers(prefix, count) {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const users = [];
  for (let start = 0; start < names.length; start += BATCH) {
    const chunk = names.slice(start, start + BATCH);
    const body = (username) => JSON.stringify({ username, password: PASSWORD });
    const params = (name, expected) => ({
      headers: { 'Content-Type': 'application/json' },
      tags: { name },
      responseCallback: http.expectedStatuses(...expected),
    });
    const regs = http.batch(chunk.map((u) => ['POST', `${BASE_URL}/auth/register`, body(u), params('setup register', [201, 409])]));
    regs.forEach((r, i) => {
      if (r.status !== 201 && r.status !== 409) throw new Error(`register ${chunk[i]}: HTTP ${r.status} ${r.body}`);
    });
    const logins = http.batch(chunk.map((u) => ['POST', `${BASE_URL}/auth/login`, body(u), params('setup login', [200])]));
    logins.forEach((r, i) => {
      if (r.status !== 200) throw new Error(`login ${chunk[i]}: HTTP ${r.status} ${r.body}`);
      users.push({ username: chunk[i], token: r.json('token') });
    });
  }
  // A counter with no sample has no value to hold a threshold against; start it at an explicit 0.
  sessionLost.add(0);
  return users;
}

export const USER_PASSWORD = PASSWORD;

// Users of different runs stay apart in a Redis that outlives them. Called once, in setup().
export function runPrefix(kind) {
  return `${kind}${Date.now().toString(36)}`;
}
