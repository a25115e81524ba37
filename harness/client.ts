// One client for xwing's API over node:http with an explicit Agent, so connection reuse is a
// decision of the caller (keep-alive or a new connection per request), never undici's default.
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { sleep } from './wait.ts';

export interface ApiClientOptions {
  /** Reuse connections (default true). */
  keepAlive?: boolean;
  /** Whole-exchange deadline per request (default 5000 ms); a timed-out request rejects with code CLIENT_TIMEOUT. */
  timeoutMs?: number;
  /** Share this agent instead of owning one; close() then leaves it open. */
  agent?: Agent;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  timeoutMs?: number;
}

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** X-Served-By: which instance answered. */
  servedBy: string | undefined;
}

export interface User {
  username: string;
  password: string;
  token: string;
}

/** A request that got no response: the socket error's code (ECONNREFUSED, ECONNRESET, ...) or CLIENT_TIMEOUT. */
export class RequestError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RequestError';
    this.code = code;
  }
}

export class ApiClient {
  readonly baseUrl: string;
  readonly agent: Agent;
  readonly timeoutMs: number;
  readonly #ownsAgent: boolean;

  constructor(baseUrl: string, options: ApiClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.#ownsAgent = options.agent === undefined;
    this.agent = options.agent ?? new Agent({ keepAlive: options.keepAlive ?? true, maxSockets: 64 });
  }

  /** One exchange; resolves with whatever status came back, rejects (RequestError) when none did. */
  call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (typeof options.body === 'string') payload = options.body;
    else if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      const req = request(`${this.baseUrl}${path}`, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          const servedBy = res.headers['x-served-by'];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            servedBy: Array.isArray(servedBy) ? servedBy[0] : servedBy,
          });
        });
        res.on('error', (error: NodeJS.ErrnoException) => fail(error));
      });
      const fail = (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(error instanceof RequestError ? error : new RequestError(`${method} ${path}: ${error.message}`, error.code ?? 'ERROR', { cause: error }));
      };
      const timer = setTimeout(
        () => req.destroy(new RequestError(`${method} ${path}: no response within ${timeoutMs} ms`, 'CLIENT_TIMEOUT')),
        timeoutMs,
      );
      req.on('error', fail);
      req.end(payload);
    });
  }

  /** POST /auth/register; 201 (created) and 409 (taken) are both returned, not thrown. */
  register(username: string, password: string): Promise<ApiResponse> {
    return this.call('POST', '/auth/register', { body: { username, password } });
  }

  async login(username: string, password: string): Promise<{ token: string; expiresAt: string }> {
    const res = await this.call('POST', '/auth/login', { body: { username, password } });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.body}`);
    return JSON.parse(res.body) as { token: string; expiresAt: string };
  }

  /** GET /auth/session: 200 with the session, 401 when it is gone. */
  session(token: string): Promise<ApiResponse> {
    return this.call('GET', '/auth/session', { token });
  }

  /** POST /auth/logout; the status (204 when done). */
  async logout(token: string): Promise<number> {
    return (await this.call('POST', '/auth/logout', { token })).status;
  }

  /** Registers (an existing user is fine) and logs in. */
  async registerAndLogin(username: string, password: string): Promise<User> {
    const registered = await this.register(username, password);
    if (registered.status !== 201 && registered.status !== 409) throw new Error(`register ${username}: ${registered.status} ${registered.body}`);
    const { token } = await this.login(username, password);
    return { username, password, token };
  }

  /** `count` users named `<prefix>-<i>`, registered and logged in, `batch` at a time. */
  async createUsers(prefix: string, count: number, password: string, batch = 8): Promise<User[]> {
    const users: User[] = [];
    for (let i = 0; i < count; i += batch) {
      const size = Math.min(batch, count - i);
      users.push(...(await Promise.all(Array.from({ length: size }, (_, j) => this.registerAndLogin(`${prefix}-${i + j}`, password)))));
    }
    return users;
  }

  /**
   * Checks each user's session once, retrying what is neither 200 nor 401 (Redis may still be
   * coming back) until a shared deadline. `lost`: sessions that are gone (401); `unchecked`: those
   * that could not be checked in time, which a caller must count as failures too.
   */
  async verifySessions(users: readonly Pick<User, 'username' | 'token'>[], deadlineMs = 15_000): Promise<{ lost: string[]; unchecked: string[] }> {
    const deadline = performance.now() + deadlineMs;
    const lost: string[] = [];
    const unchecked: string[] = [];
    for (const user of users) {
      for (;;) {
        const status = await this.session(user.token).then((res) => res.status, () => 0);
        if (status === 200) break;
        if (status === 401) {
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
    return { lost, unchecked };
  }

  close(): void {
    if (this.#ownsAgent) this.agent.destroy();
  }
}
