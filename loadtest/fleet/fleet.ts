// The fleet's app processes: one slot per upstream port. A slot's process is replaced the way a
// Deployment replaces a pod: the old one gets a signal, and once it is gone a new one starts under a
// new name (X-Served-By tells them apart) on the same port.
import { ApiClient, startApp, waitFor, type AppProcess, type ProcessGroup } from '../../harness/index.ts';
import type { Note } from '../verdict.ts';
import type { FleetConfig } from './config.ts';

export class Fleet {
  readonly #group: ProcessGroup;
  readonly #config: FleetConfig;
  readonly #env: Record<string, string>;
  readonly #note: Note;
  readonly #slots: AppProcess[] = [];
  readonly #generations: number[] = [];
  #starts = 0;
  #kills = 0;
  #stuck = 0;

  constructor(group: ProcessGroup, config: FleetConfig, redisEnv: Record<string, string>, note: Note) {
    this.#group = group;
    this.#config = config;
    this.#note = note;
    this.#env = {
      ...redisEnv,
      TRUST_PROXY: '1',
      SHUTDOWN_DELAY_MS: String(config.shutdownDelayMs),
      MAX_REQUESTS_PER_SOCKET: String(config.maxRequestsPerSocket),
    };
  }

  /** Processes started after the first generation. */
  get restarts(): number {
    return this.#starts - this.#config.apps;
  }

  get kills(): number {
    return this.#kills;
  }

  /** Processes that outlived their shutdown bound and had to be SIGKILLed. */
  get stuck(): number {
    return this.#stuck;
  }

  get ports(): number[] {
    return Array.from({ length: this.#config.apps }, (_, slot) => this.#config.appPortBase + slot);
  }

  get live(): number {
    return this.#slots.filter((app) => app.process.alive).length;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.ports.map((_, slot) => this.#start(slot)));
  }

  /** How many slots answer /readyz 200 now. */
  async ready(): Promise<number> {
    const answers = await Promise.all(
      this.#slots.map((app) => {
        const client = new ApiClient(app.url, { keepAlive: false, timeoutMs: 1000 });
        return client.call('GET', '/readyz').then((res) => res.status === 200, () => false).finally(() => client.close());
      }),
    );
    return answers.filter(Boolean).length;
  }

  /** Sends `signal` to the slot's process, waits until it is gone and its replacement is ready. */
  async replace(slot: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const app = this.#slots[slot];
    if (!app) throw new Error(`no app in slot ${slot}`);
    app.process.kill(signal);
    this.#kills++;
    this.#note(signal.toLowerCase(), app.name);
    // SIGTERM: SHUTDOWN_DELAY_MS of serving, then a drain bounded by SHUTDOWN_TIMEOUT_MS.
    const boundMs = this.#config.shutdownDelayMs + 10_000;
    const gone = await waitFor(`${app.name} gone`, () => !app.process.alive, { timeoutMs: boundMs }).then(() => true, () => false);
    if (!gone) {
      this.#stuck++;
      this.#note('stuck', app.name, `still alive ${boundMs / 1000} s after ${signal}; SIGKILL`);
      await app.process.stop({ signal: 'SIGKILL' });
    }
    await this.#start(slot);
  }

  /** SIGTERM to every app at once: the run is over, each drains its last requests. */
  async stop(): Promise<void> {
    await Promise.all(this.#slots.map((app) => app.stop()));
  }

  async #start(slot: number): Promise<void> {
    const generation = (this.#generations[slot] ?? -1) + 1;
    this.#generations[slot] = generation;
    const name = `fleet-${slot}-g${generation}`;
    this.#starts++;
    this.#note('start', name);
    this.#slots[slot] = await startApp(this.#group, {
      name,
      port: this.#config.appPortBase + slot,
      metricsPort: this.#config.metricsPortBase + slot,
      env: this.#env,
      readyTimeoutMs: 30_000,
    });
    this.#note('ready', name);
  }
}
