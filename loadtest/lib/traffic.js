import { check } from 'k6';
import exec from 'k6/execution';
import { authedGet, get, login, logout, ok } from './api.js';
import { USER_PASSWORD } from './users.js';
import { num } from './config.js';

const WORK_MS = num('WORK_MS', 20);

function pick(users) {
  return users[Math.floor(Math.random() * users.length)];
}

// One API request as a logged-in user: mostly CPU work, some cached profile reads, some session checks.
// `workShare` and `profileShare` split the traffic; the rest goes to /auth/session.
export function apiRequest(users, workShare, profileShare) {
  const user = pick(users);
  const roll = Math.random();
  let res;
  if (roll < workShare) {
    res = authedGet(`/work?ms=${WORK_MS}`, user.token, { name: 'GET /work' });
  } else if (roll < workShare + profileShare) {
    res = authedGet('/profile', user.token, { name: 'GET /profile' });
  } else {
    res = authedGet('/auth/session', user.token, { name: 'GET /auth/session' });
  }
  check(res, { 'api 2xx': (r) => r.status >= 200 && r.status < 300 });
}

// A whole session life under churn: log in, use it, log out, and see it gone. The 401 after logout is
// expected; a 401 before it is a lost session.
export function sessionCycle(cycleUsers) {
  const user = cycleUsers[exec.scenario.iterationInTest % cycleUsers.length];
  const token = login(user.username, USER_PASSWORD);
  if (!token) return;
  check(authedGet('/auth/session', token, { name: 'GET /auth/session' }), {
    'fresh session 200': (r) => r.status === 200,
  });
  if (logout(token).status !== 204) return;
  check(get('/auth/session', { token, name: 'GET /auth/session (logged out)', expect: ok(401) }), {
    'logged-out session 401': (r) => r.status === 401,
  });
}
