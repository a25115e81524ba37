// HTTP client the e2e suite runs inside a pod of the release's namespace (node, from the app image), so
// that it reaches the Service the way in-cluster clients do on any cluster (kind, minikube, local).
//   node client.mjs login                 -> prints {"token": ...} after registering a fresh user
//   node client.mjs session TOKEN         -> exit 0 when the session is valid
//   node client.mjs load TOKEN RPS MAXSEC -> requests GET /auth/session until /tmp/stop exists; prints counts
import http from 'node:http';
import { existsSync } from 'node:fs';

const base = new URL(process.env.XWING_URL);
// A new connection per request: the load step measures whether the Service stops routing to
// terminating pods in time, not how a client recovers from a closed keep-alive socket.
const agent = new http.Agent({ keepAlive: false });

function request(method, path, { token, body } = {}) {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const req = http.request(
      { host: base.hostname, port: base.port || 80, path, method, headers, agent, timeout: 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => { text += chunk; });
        res.on('end', () => resolve({ status: res.statusCode, text, servedBy: res.headers['x-served-by'] }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, text: String(err.message), servedBy: undefined }));
    req.end(payload);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function login() {
  const username = `e2e${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
  const password = `${crypto.randomUUID()}-Aa1!`;
  const reg = await request('POST', '/auth/register', { body: { username, password } });
  if (reg.status !== 201) throw new Error(`register answered ${reg.status}: ${reg.text.slice(0, 200)}`);
  const res = await request('POST', '/auth/login', { body: { username, password } });
  const token = res.status === 200 ? JSON.parse(res.text).token : undefined;
  if (typeof token !== 'string') throw new Error(`login answered ${res.status}: ${res.text.slice(0, 200)}`);
  console.log(JSON.stringify({ username, token }));
}

async function session(token) {
  const res = await request('GET', '/auth/session', { token });
  console.log(JSON.stringify({ status: res.status, servedBy: res.servedBy }));
  if (res.status !== 200) process.exit(1);
}

async function load(token, rps, maxSeconds) {
  const counts = { ok: 0, failed: 0, errors: {}, servedBy: {} };
  const interval = 1000 / rps;
  const deadline = Date.now() + maxSeconds * 1000;
  const inflight = new Set();
  while (!existsSync('/tmp/stop') && Date.now() < deadline) {
    const p = request('GET', '/auth/session', { token }).then((res) => {
      if (res.status === 200) {
        counts.ok += 1;
        counts.servedBy[res.servedBy] = (counts.servedBy[res.servedBy] ?? 0) + 1;
      } else {
        counts.failed += 1;
        const key = res.status === 0 ? res.text : `HTTP ${res.status}`;
        counts.errors[key] = (counts.errors[key] ?? 0) + 1;
      }
      inflight.delete(p);
    });
    inflight.add(p);
    await sleep(interval);
  }
  await Promise.all(inflight);
  counts.stoppedBy = existsSync('/tmp/stop') ? 'stop-file' : 'deadline';
  console.log(JSON.stringify(counts));
  if (counts.failed > 0 || counts.ok === 0 || counts.stoppedBy !== 'stop-file') process.exit(1);
}

const [action, ...args] = process.argv.slice(2);
try {
  if (action === 'login') await login();
  else if (action === 'session') await session(args[0]);
  else if (action === 'load') await load(args[0], Number(args[1]), Number(args[2]));
  else throw new Error(`unknown action ${action}`);
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
