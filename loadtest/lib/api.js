import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL } from './config.js';
import { observeReplica, sessionLost } from './metrics.js';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

// Statuses a request may legitimately end with; anything else counts in http_req_failed.
export const ok = (...statuses) => http.expectedStatuses(...statuses);

function send(method, path, { body = null, token = null, name, expect, headers = {} } = {}) {
  const params = {
    headers: { ...(body === null ? {} : JSON_HEADERS), ...headers },
    tags: { name: name || `${method} ${path}` },
    // Cookies would make sessions implicit; every authenticated call sends its token explicitly.
    jar: new http.CookieJar(),
  };
  if (token) params.headers.Authorization = `Bearer ${token}`;
  if (expect) params.responseCallback = expect;
  const res = http.request(method, `${BASE_URL}${path}`, body === null ? null : JSON.stringify(body), params);
  observeReplica(res);
  return res;
}

export function get(path, opts = {}) {
  return send('GET', path, opts);
}

export function post(path, body, opts = {}) {
  return send('POST', path, { ...opts, body });
}

// An authenticated call with a token that is alive: a 401 here is a lost session.
export function authedGet(path, token, opts = {}) {
  const res = send('GET', path, { ...opts, token });
  if (res.status === 401) {
    sessionLost.add(1, { name: opts.name || `GET ${path}` });
  }
  return res;
}

export function register(username, password) {
  return post('/auth/register', { username, password }, { name: 'POST /auth/register', expect: ok(201, 409) });
}

// Returns the token or null; a failed login is already counted by http_req_failed.
export function login(username, password) {
  const res = post('/auth/login', { username, password }, { name: 'POST /auth/login' });
  const good = check(res, { 'login 200 with token': (r) => r.status === 200 && !!r.json('token') });
  return good ? res.json('token') : null;
}

export function logout(token) {
  const res = send('POST', '/auth/logout', { token, name: 'POST /auth/logout', expect: ok(204) });
  check(res, { 'logout 204': (r) => r.status === 204 });
  return res;
}
