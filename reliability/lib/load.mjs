// A small open-model load generator: requests start at a fixed rate whatever the responses do (a
// slow server cannot slow the client down and hide its own latency), spread over many logged-in
// users, and every request is recorded so a fault's window can be counted afterwards.
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const JSON_HEADERS = { 'content-type': 'application/json' };
export const PASSWORD = 'reliability suite password';

/** One HTTP exchange on `agent`; resolves {status, body}, rejects with the socket error. */
export function call(agent, url, { method = 'GET', headers = {}, body, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** Registers and logs in `count` users named `${prefix}-<i>`; returns [{username, token}]. */
export async function createUsers(url, prefix, count) {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  try {
    const users = [];
    for (let i = 0; i < count; i += 8) {
      const batch = Array.from({ length: Math.min(8, count - i) }, async (_, j) => {
        const username = `${prefix}-${i + j}`;
        const body = JSON.stringify({ username, password: PASSWORD });
        const reg = await call(agent, `${url}/auth/register`, { method: 'POST', headers: JSON_HEADERS, body });
        if (reg.status !== 201 && reg.status !== 409) throw new Error(`register ${username}: ${reg.status} ${reg.body}`);
        const res = await call(agent, `${url}/auth/login`, { method: 'POST', headers: JSON_HEADERS, body });
        if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.body}`);
        return { username, token: JSON.parse(res.body).token };
      });
      users.push(...(await Promise.all(batch)));
    }
    return users;
  } finally {
    agent.destroy();
  }
}

/**
 * Checks every user's token once more, retrying 503s (Redis may still be coming back) until a
 * shared deadline. Returns the users whose session is gone (401) - the "sessions lost" - and
 * those that could not be checked at all, which a caller must count as a failure too.
 */
export async function verifySessions(url, users, deadlineMs = 15_000) {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const deadline = performance.now() + deadlineMs;
  const lost = [];
  const unchecked = [];
  try {
    for (const user of users) {
      for (;;) {
        const res = await call(agent, `${url}/auth/session`, { headers: { authorization: `Bearer ${user.token}` } }).catch(
          () => ({ status: 0 }),
        );
        if (res.status === 200) break;
        if (res.status === 401) {
          lost.push(user.username);
          break;
        }
        if (performance.now() > deadline) {
          unchecked.push(user.username);
          break;
        }
        await sleep(100);
      }
    }
  } finally {
    agent.destroy();
  }
  return Object.assign(lost, { unchecked });
}

const OPS = {
  session: { method: 'GET', path: () => '/auth/session' },
  profile: { method: 'GET', path: () => '/profile' },
  work: { method: 'GET', path: (workMs) => `/work?ms=${workMs}` },
};

export class LoadGenerator {
  /**
   * backends: [{name, url}]; users: [{username, token}]; rate: requests per second;
   * mix: [[op, weight]] with op in session|profile|work|cycle (cycle = a fresh login and its logout;
   * work = /work?ms=workMs);
   * routeByReadiness: behave like a Service: poll /readyz and send only to ready backends, and
   * resend a request whose connection was refused (it never reached a process).
   */
  constructor({ backends, users, rate, mix = [['session', 3], ['profile', 1]], timeoutMs = 5000, maxInFlight = 2000,
    routeByReadiness = false, workMs = 20 }) {
    this.workMs = workMs;
    this.backends = backends.map((b) => ({ ...b, ready: true, inFlight: 0 }));
    this.users = users;
    this.rate = rate;
    this.timeoutMs = timeoutMs;
    this.maxInFlight = maxInFlight;
    this.routeByReadiness = routeByReadiness;
    this.ops = mix.flatMap(([op, weight]) => Array(weight).fill(op));
    // With a timeout set, Node's agent honours the server's Keep-Alive hint and drops an idle
    // socket a second before the server would, as a proxy with a shorter idle timeout does.
    this.agent = new Agent({ keepAlive: true, maxSockets: 512, timeout: 60_000 });
    this.records = [];
    this.inFlight = 0;
    this.peakInFlight = 0;
    this.dropped = 0;
    this.refusedResent = 0;
    this.epoch = performance.now();
    this.seq = 0;
    this.pending = new Set();
  }

  now() {
    return performance.now() - this.epoch;
  }

  start() {
    this.running = true;
    const startedAt = this.now();
    this.ticker = setInterval(() => {
      const due = Math.floor(((this.now() - startedAt) / 1000) * this.rate);
      while (this.seq < due) this.launch(this.seq++);
    }, 5);
    if (this.routeByReadiness) this.poller = this.pollReadiness();
  }

  /**
   * Like the kubelet's defaults: 1 s probe timeout, out after 3 failures in a row, in after 1
   * success. One loop per backend, so a slow backend cannot delay noticing another one's failure.
   */
  async pollReadiness() {
    const probe = new Agent({ keepAlive: false });
    await Promise.all(this.backends.map(async (b) => {
      while (this.running) {
        const res = await call(probe, `${b.url}/readyz`, { timeoutMs: 1000 }).catch(() => ({ status: 0 }));
        b.probeFailures = res.status === 200 ? 0 : (b.probeFailures ?? 0) + 1;
        b.ready = b.probeFailures < 3;
        await sleep(200);
      }
    }));
  }

  pick(exclude) {
    const candidates = this.backends.filter((b) => b !== exclude && (!this.routeByReadiness || b.ready));
    if (candidates.length === 0) return undefined;
    return candidates[this.seq % candidates.length];
  }

  launch(seq) {
    if (this.inFlight >= this.maxInFlight) {
      this.dropped++;
      return;
    }
    const user = this.users[seq % this.users.length];
    const op = this.ops[seq % this.ops.length];
    const record = { seq, op, user: user.username, t0: this.now() };
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    const done = this.execute(record, user).finally(() => {
      this.inFlight--;
      this.pending.delete(done);
    });
    this.pending.add(done);
  }

  async execute(record, user) {
    let backend = this.pick();
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!backend) {
        Object.assign(record, { t1: this.now(), status: 0, error: 'NO_READY_BACKEND' });
        break;
      }
      const current = backend;
      record.backend = current.name;
      current.inFlight++;
      try {
        record.status = await this.send(current.url, record.op, user);
        record.error = undefined;
        record.t1 = this.now();
        break;
      } catch (error) {
        Object.assign(record, { t1: this.now(), status: 0, error: error.code ?? error.message });
        if (!this.routeByReadiness) break;
        // Passive health checking, as a proxy does: a backend that failed a connection is skipped
        // until its readiness probe passes again.
        current.ready = false;
        current.probeFailures = 3;
        if (error.code !== 'ECONNREFUSED') break;
        this.refusedResent++;
        backend = this.pick(current);
      } finally {
        current.inFlight--;
      }
    }
    record.ok = record.status >= 200 && record.status < 400;
    record.sessionLost = record.status === 401;
    this.records.push(record);
  }

  async send(url, op, user) {
    const auth = { authorization: `Bearer ${user.token}` };
    if (op === 'cycle') {
      const body = JSON.stringify({ username: user.username, password: PASSWORD });
      const login = await call(this.agent, `${url}/auth/login`, { method: 'POST', headers: JSON_HEADERS, body, timeoutMs: this.timeoutMs });
      if (login.status !== 200) return login.status;
      const fresh = { authorization: `Bearer ${JSON.parse(login.body).token}` };
      const logout = await call(this.agent, `${url}/auth/logout`, { method: 'POST', headers: fresh, timeoutMs: this.timeoutMs });
      return logout.status;
    }
    const { method, path } = OPS[op];
    const res = await call(this.agent, `${url}${path(this.workMs)}`, { method, headers: auth, timeoutMs: this.timeoutMs });
    return res.status;
  }

  inFlightOn(name) {
    return this.backends.find((b) => b.name === name)?.inFlight ?? 0;
  }

  async stop() {
    this.running = false;
    clearInterval(this.ticker);
    await Promise.allSettled([...this.pending]);
    await this.poller;
    this.agent.destroy();
    return this.records.sort((a, b) => a.t0 - b.t0);
  }
}
