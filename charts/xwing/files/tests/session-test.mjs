// `helm test`: registers a user, logs in, reads the session, logs out and checks the session is
// gone, all through the API's Service like any client would. Runs in the app image (Node's
// fetch), the one image sure to be present; XWING_URL is the Service's URL.
const base = process.env.XWING_URL;
const username = `helmtest${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
const password = `${crypto.randomUUID()}-Aa1!`;
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };
async function call(method, path, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  console.log(`${method} ${path} -> ${res.status} (served by ${res.headers.get('x-served-by')})`);
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { fail(`${path} did not answer JSON: ${text.slice(0, 200)}`); }
  return { status: res.status, json };
}
const reg = await call('POST', '/auth/register', { body: { username, password } });
if (reg.status !== 201) fail(`register answered ${reg.status} (is config.ALLOW_REGISTRATION on?)`);
const login = await call('POST', '/auth/login', { body: { username, password } });
if (login.status !== 200 || typeof login.json?.token !== 'string') fail(`login answered ${login.status}`);
const session = await call('GET', '/auth/session', { token: login.json.token });
if (session.status !== 200 || session.json?.username !== username) fail(`session answered ${session.status} ${JSON.stringify(session.json)}`);
const anonymous = await call('GET', '/auth/session');
if (anonymous.status !== 401) fail(`a request without a token got ${anonymous.status}, not 401`);
const logout = await call('POST', '/auth/logout', { token: login.json.token });
if (logout.status !== 204) fail(`logout answered ${logout.status}`);
const after = await call('GET', '/auth/session', { token: login.json.token });
if (after.status !== 401) fail(`the session survived logout (${after.status})`);
console.log(`ok: ${username} registered, logged in, read its session and logged out`);
