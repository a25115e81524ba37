// An open-model load generator: requests start at a fixed rate whatever the responses do (a slow
// server cannot slow the client down and hide its own latency), spread over many logged-in users,
// and every request is recorded, so a fault's window can be counted afterwards. Bounded: it stops
// launching after `maxDurationMs` even if nobody calls stop(). Use k6 where k6 fits; this is for
// loads that react to a fault from inside the same process (readiness routing, fault windows).
import { Agent } from 'node:http';
import { ApiClient, RequestError, type User } from './client.ts';
import { sleep } from './wait.ts';

export type Op = 'session' | 'profile' | 'work' | 'cycle';

export interface Backend {
  name: string;
  url: string;
}

export interface LoadOptions {
  backends: readonly Backend[];
  users: readonly User[];
  /** Requests started per second. */
  rate: number;
  /** [op, weight]; `cycle` = a fresh login and its logout, `work` = /work?ms=workMs. */
  mix?: readonly (readonly [Op, number])[];
  timeoutMs?: number;
  /** Requests beyond this many in flight are not started (counted in `dropped`). */
  maxInFlight?: number;
  /**
   * Behave like a Service: poll each backend's /readyz (kubelet defaults: out after 3 failures,
   * in after 1 success), send only to ready ones, and resend a request whose connection was
   * refused (it never reached a process).
   */
  routeByReadiness?: boolean;
  workMs?: number;
  /** Stops launching after this long (default 10 minutes). */
  maxDurationMs?: number;
  /** The time base of the records (ms); e.g. an EventLog's ms(), so records and events line up. */
  clock?: () => number;
  /**
   * Reuse connections (default true). False opens one per request, as a client behind a
   * Service does when each request must be balanced afresh (a rollout, a pod deletion).
   */
  keepAlive?: boolean;
}

export interface RequestRecord {
  seq: number;
  op: Op;
  user: string;
  /** The backend the request was (last) sent to. */
  backend: string | undefined;
  /** ms on the generator's clock. */
  start: number;
  end: number;
  /** 0 when no response came. */
  status: number;
  /** X-Served-By of the response. */
  servedBy: string | undefined;
  /** Why no response came: a socket error code, CLIENT_TIMEOUT or NO_READY_BACKEND. */
  error: string | undefined;
  ok: boolean;
  /** A 401 for a user who is logged in. */
  sessionLost: boolean;
  /** A cycle's fresh token, once its login succeeded: with status 204 it was logged out, and must stay so. */
  token?: string;
}

interface BackendState extends Backend {
  client: ApiClient;
  ready: boolean;
  probeFailures: number;
  inFlight: number;
}

export class LoadGenerator {
  readonly records: RequestRecord[] = [];
  dropped = 0;
  refusedResent = 0;
  inFlight = 0;
  peakInFlight = 0;
  readonly #backends: BackendState[];
  readonly #users: readonly User[];
  readonly #ops: Op[];
  readonly #options: Required<Pick<LoadOptions, 'rate' | 'timeoutMs' | 'maxInFlight' | 'routeByReadiness' | 'workMs' | 'maxDurationMs'>>;
  readonly #agent: Agent;
  readonly #clock: () => number;
  readonly #pending = new Set<Promise<void>>();
  #seq = 0;
  #running = false;
  #ticker: NodeJS.Timeout | undefined;
  #poller: Promise<void> | undefined;

  constructor(options: LoadOptions) {
    if (options.users.length === 0) throw new Error('LoadGenerator: no users');
    if (options.backends.length === 0) throw new Error('LoadGenerator: no backends');
    this.#options = {
      rate: options.rate,
      timeoutMs: options.timeoutMs ?? 5000,
      maxInFlight: options.maxInFlight ?? 2000,
      routeByReadiness: options.routeByReadiness ?? false,
      workMs: options.workMs ?? 20,
      maxDurationMs: options.maxDurationMs ?? 600_000,
    };
    // With a timeout set, the agent honours the server's Keep-Alive hint and drops an idle socket a
    // second before the server would, as a proxy with a shorter idle timeout does.
    this.#agent = new Agent({ keepAlive: options.keepAlive ?? true, maxSockets: 512, timeout: 60_000 });
    this.#backends = options.backends.map((b) => ({
      ...b,
      client: new ApiClient(b.url, { agent: this.#agent, timeoutMs: this.#options.timeoutMs }),
      ready: true,
      probeFailures: 0,
      inFlight: 0,
    }));
    this.#users = options.users;
    this.#ops = (options.mix ?? [['session', 3], ['profile', 1]]).flatMap(([op, weight]) => Array<Op>(weight).fill(op));
    const epoch = performance.now();
    this.#clock = options.clock ?? (() => performance.now() - epoch);
  }

  now(): number {
    return this.#clock();
  }

  start(): void {
    this.#start(this.#options.maxDurationMs);
  }

  /** Runs for `durationMs` and returns the records: at most rate × duration, however late the timers fire. */
  async run(durationMs: number): Promise<RequestRecord[]> {
    const until = Math.min(durationMs, this.#options.maxDurationMs);
    this.#start(until);
    await sleep(until);
    return this.stop();
  }

  /** Launches what is due by the clock, every 5 ms, up to `untilMs` after now. */
  #start(untilMs: number): void {
    if (this.#running) return;
    this.#running = true;
    const startedAt = this.now();
    this.#ticker = setInterval(() => {
      const elapsed = Math.min(this.now() - startedAt, untilMs);
      const due = Math.floor((elapsed / 1000) * this.#options.rate);
      while (this.#seq < due) this.#launch(this.#seq++);
      if (elapsed === untilMs) clearInterval(this.#ticker);
    }, 5);
    if (this.#options.routeByReadiness) this.#poller = this.#pollReadiness();
  }

  /** Requests currently in flight to backend `name`. */
  inFlightOn(name: string): number {
    return this.#backends.find((b) => b.name === name)?.inFlight ?? 0;
  }

  /** Stops launching, waits for the requests in flight (each bounded by timeoutMs), returns every record by start time. */
  async stop(): Promise<RequestRecord[]> {
    this.#running = false;
    clearInterval(this.#ticker);
    await Promise.allSettled([...this.#pending]);
    await this.#poller;
    this.#agent.destroy();
    return this.records.sort((a, b) => a.start - b.start);
  }

  async #pollReadiness(): Promise<void> {
    const probe = new Agent({ keepAlive: false });
    try {
      await Promise.all(
        this.#backends.map(async (b) => {
          const client = new ApiClient(b.url, { agent: probe, timeoutMs: 1000 });
          while (this.#running) {
            const status = await client.call('GET', '/readyz').then((res) => res.status, () => 0);
            b.probeFailures = status === 200 ? 0 : b.probeFailures + 1;
            b.ready = b.probeFailures < 3;
            await sleep(200);
          }
        }),
      );
    } finally {
      probe.destroy();
    }
  }

  #pick(exclude?: BackendState): BackendState | undefined {
    const candidates = this.#backends.filter((b) => b !== exclude && (!this.#options.routeByReadiness || b.ready));
    return candidates[this.#seq % Math.max(1, candidates.length)];
  }

  #launch(seq: number): void {
    if (this.inFlight >= this.#options.maxInFlight) {
      this.dropped++;
      return;
    }
    const user = this.#users[seq % this.#users.length];
    const op = this.#ops[seq % this.#ops.length];
    if (!user || !op) return;
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    const done: Promise<void> = this.#execute(seq, op, user).finally(() => {
      this.inFlight--;
      this.#pending.delete(done);
    });
    this.#pending.add(done);
  }

  async #execute(seq: number, op: Op, user: User): Promise<void> {
    const record: RequestRecord = {
      seq, op, user: user.username, backend: undefined, start: this.now(), end: 0,
      status: 0, servedBy: undefined, error: undefined, ok: false, sessionLost: false,
    };
    let backend = this.#pick();
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!backend) {
        record.error = 'NO_READY_BACKEND';
        break;
      }
      const current = backend;
      record.backend = current.name;
      current.inFlight++;
      try {
        const res = await this.#send(current.client, op, user, record);
        record.status = res.status;
        record.servedBy = res.servedBy;
        record.error = undefined;
        break;
      } catch (error) {
        record.status = 0;
        record.error = error instanceof RequestError ? error.code : (error as Error).message;
        if (!this.#options.routeByReadiness) break;
        // Passive health checking, as a proxy does: a backend that failed a connection is skipped
        // until its readiness probe passes again.
        current.ready = false;
        current.probeFailures = 3;
        if (record.error !== 'ECONNREFUSED') break;
        this.refusedResent++;
        backend = this.#pick(current);
      } finally {
        current.inFlight--;
      }
    }
    record.end = this.now();
    record.ok = record.status >= 200 && record.status < 400;
    record.sessionLost = record.status === 401;
    this.records.push(record);
  }

  async #send(client: ApiClient, op: Op, user: User, record: RequestRecord): Promise<{ status: number; servedBy: string | undefined }> {
    if (op === 'cycle') {
      const login = await client.call('POST', '/auth/login', { body: { username: user.username, password: user.password } });
      if (login.status !== 200) return login;
      const { token } = JSON.parse(login.body) as { token: string };
      record.token = token;
      return client.call('POST', '/auth/logout', { token });
    }
    const path = op === 'work' ? `/work?ms=${this.#options.workMs}` : op === 'profile' ? '/profile' : '/auth/session';
    return client.call('GET', path, { token: user.token });
  }
}
