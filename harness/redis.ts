// Redis on loopback, the way the chart runs it: every redis-server reads the chart's shared
// settings (charts/xwing/files/redis.conf) and gets only per-instance settings on its command line.
//
// A node is not started with the shared file itself as its config file: Sentinel sends CONFIG
// REWRITE to every instance it reconfigures, and Redis then rewrites the file it was started with
// (seen on loopback: the shared file gained `port`, `dir` and `replicaof` lines). Each node gets
// its own <dir>/redis.conf that only includes the shared file; it is rewritten on every start.
//
// Standalone: startRedis. Replicated with Sentinel: startReplicated, whose two launchers
// (launchNode, launchSentinel) each decide one process's command line and can be swapped, e.g.
// for the chart's own start scripts.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_REDIS_CONF } from './paths.ts';
import { tail, type ManagedProcess, type ProcessGroup } from './procs.ts';
import { command, commands, parseInfo } from './resp.ts';
import { freePort, sleep, StopWaiting, waitFor, type WaitOptions } from './wait.ts';

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;

/** What to run for one server process; `netns` is applied around it by the harness. */
export interface LaunchSpec {
  command: string;
  args: string[];
  /** The whole environment; the harness's own when omitted. */
  env?: NodeJS.ProcessEnv;
}

export interface RedisNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** redis://[:password@]host:port */
  readonly url: string;
  readonly dir: string;
  readonly password: string | undefined;
  /** The current process (a new one after restart()). */
  readonly process: ManagedProcess;
  /** One command; the reply as text (arrays one item a line); an error reply rejects. */
  cli(...args: (string | number)[]): Promise<string>;
  /** `INFO <section>` as key → value. */
  info(section?: string): Promise<Map<string, string>>;
  /**
   * Sends `signal` (SIGKILL by default). For SIGKILL, SIGTERM, SIGINT and SIGQUIT resolves once the
   * process is gone (a SIGTERM that does not end it within 15 s is followed by SIGKILL); for
   * others (SIGSTOP, SIGCONT) at once.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (Redis writes its append-only file and exits), SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** Stops the process if it runs, starts it again on the same port and folder, waits for PING. */
  restart(): Promise<void>;
}

export interface SentinelNode extends RedisNode {
  /** The Sentinel's own config file, which it rewrites. */
  readonly configPath: string;
}

export interface RedisOptions {
  name: string;
  dir: string;
  host?: string;
  /** A free port when omitted (required with `netns`). */
  port?: number;
  password?: string;
  /** Runs redis-server inside this network namespace (`ip netns exec`); `host` is its address there. */
  netns?: string;
  /** More per-instance settings, appended to the command line. */
  args?: string[];
}

const TERMINATING: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT'];

/** Writes <dir>/redis.conf, which includes the shared settings; returns its path. */
export function nodeConfigFile(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'redis.conf');
  writeFileSync(
    path,
    '# Written by harness/redis.ts at every start. The shared settings are included, not used as the\n' +
      '# config file: CONFIG REWRITE (Sentinel sends it) rewrites the file a server was started with.\n' +
      `include ${configQuote(SHARED_REDIS_CONF)}\n`,
  );
  return path;
}

/** The command line of a redis-server node: shared settings, then this instance's own. */
export function redisServerArgs(options: { host: string; port: number; dir: string; password?: string | undefined; args?: string[] | undefined }): string[] {
  const { host, port, dir, password } = options;
  return [
    nodeConfigFile(dir),
    '--port', String(port),
    '--bind', host,
    '--dir', dir,
    // Loopback and test namespaces only; the password, when set, guards it.
    '--protected-mode', 'no',
    ...(password === undefined ? [] : ['--requirepass', password, '--masterauth', password]),
    ...(options.args ?? []),
  ];
}

function redisUrl(host: string, port: number, password: string | undefined): string {
  return `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}${host}:${port}`;
}

interface ServerOptions {
  name: string;
  host: string;
  port: number;
  dir: string;
  password: string | undefined;
  netns?: string | undefined;
  configPath?: string;
  launch: () => Promise<LaunchSpec>;
}

class Server implements SentinelNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly password: string | undefined;
  readonly configPath: string;
  readonly #group: ProcessGroup;
  readonly #options: ServerOptions;
  #process: ManagedProcess | undefined;

  constructor(group: ProcessGroup, options: ServerOptions) {
    this.#group = group;
    this.#options = options;
    this.name = options.name;
    this.host = options.host;
    this.port = options.port;
    this.dir = options.dir;
    this.password = options.password;
    this.url = redisUrl(options.host, options.port, options.password);
    this.configPath = options.configPath ?? join(options.dir, 'redis.conf');
  }

  get process(): ManagedProcess {
    if (!this.#process) throw new Error(`${this.name} was never started`);
    return this.#process;
  }

  cli(...args: (string | number)[]): Promise<string> {
    return command(this, args);
  }

  async info(section = 'replication'): Promise<Map<string, string>> {
    return parseInfo(await this.cli('INFO', section));
  }

  /** Starts the process and waits until it answers PING; on failure nothing is left running. */
  async start(): Promise<void> {
    if (this.#process?.alive) throw new Error(`${this.name} is already running (pid ${this.#process.pid})`);
    const spec = await this.#options.launch();
    const { netns } = this.#options;
    const proc = netns
      ? this.#group.spawn(this.name, 'ip', ['netns', 'exec', netns, spec.command, ...spec.args], { env: spec.env })
      : this.#group.spawn(this.name, spec.command, spec.args, { env: spec.env });
    this.#process = proc;
    try {
      await waitFor(
        `${this.name} answering PING on ${this.host}:${this.port}`,
        async () => {
          if (!proc.alive) throw new StopWaiting(`${this.name} exited at start:\n${tail(proc.output(), 20)}`);
          // A server still loading its append-only file answers -LOADING: not yet.
          return (await command(this, ['PING'], 1000)) === 'PONG';
        },
        { timeoutMs: START_TIMEOUT_MS },
      );
    } catch (error) {
      await proc.stop({ signal: 'SIGKILL' });
      throw error;
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.process;
    if (TERMINATING.includes(signal)) await proc.stop({ signal, timeoutMs: STOP_TIMEOUT_MS });
    else proc.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.#process) await this.#process.stop({ signal: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** A redis-server with the shared settings, persisted in `dir`; resolves once it answers PING. */
export async function startRedis(group: ProcessGroup, options: RedisOptions): Promise<RedisNode> {
  const host = options.host ?? '127.0.0.1';
  if (options.netns !== undefined && options.port === undefined) {
    throw new Error(`${options.name}: a port is required with netns (freePort cannot probe inside a namespace)`);
  }
  mkdirSync(options.dir, { recursive: true });
  // A port we chose may be taken by someone else before redis-server binds it: choose again.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort(host));
    const server = new Server(group, {
      name: options.name,
      host,
      port,
      dir: options.dir,
      password: options.password,
      netns: options.netns,
      launch: () => Promise.resolve({ command: 'redis-server', args: redisServerArgs({ host, port, dir: options.dir, password: options.password, args: options.args }) }),
    });
    try {
      await server.start();
      return server;
    } catch (error) {
      const portTaken = /Address already in use/.test(server.process.output());
      if (options.port !== undefined || !portTaken || attempt >= 3) throw error;
    }
  }
}

// --- Replication with Sentinel --------------------------------------------------------------------

export interface TopologyMember {
  name: string;
  host: string;
  port: number;
  dir: string;
}

/** What a launcher knows about the topology it starts a process for. */
export interface Topology {
  name: string;
  masterName: string;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  password: string | undefined;
  /** Extra per-instance settings for every node. */
  nodeArgs: string[];
  nodes: TopologyMember[];
  sentinels: TopologyMember[];
}

/** Decides the command line of node or sentinel `index`, at each (re)start. */
export type Launcher = (topology: Topology, index: number) => Promise<LaunchSpec>;

export interface ReplicatedOptions {
  name: string;
  /** The topology's folder; its node-<i>/ and sentinel-<i>/ folders are emptied first. */
  dir: string;
  quorum?: number;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  password?: string;
  /** Extra per-instance settings for every node. */
  args?: string[];
  launchNode?: Launcher;
  launchSentinel?: Launcher;
}

export interface FailoverResult {
  from: RedisNode;
  to: RedisNode;
  /** Writes paused on the old primary until the new one reported itself primary. */
  ms: number;
  /** Until the old primary was a replica of the new one with its link up. */
  totalMs: number;
}

export interface ReplicatedRedis {
  readonly name: string;
  readonly nodes: RedisNode[];
  readonly sentinels: SentinelNode[];
  readonly masterName: string;
  readonly password: string | undefined;
  /** "127.0.0.1:p1,127.0.0.1:p2,..." for REDIS_SENTINELS. */
  readonly sentinelList: string;
  /** REDIS_SENTINELS, REDIS_SENTINEL_NAME and a REDIS_URL carrying only the password. */
  appEnv(): Record<string, string>;
  /** The node a majority of the Sentinels name as primary; rejects when there is no majority. */
  primary(): Promise<RedisNode>;
  /** Until a majority names a primary (other than `not`) that reports role:master itself. */
  waitForPrimary(options?: { not?: RedisNode; timeoutMs?: number }): Promise<RedisNode>;
  /** Until every live replica has master_link_status:up and has caught up with the primary's offset. */
  waitInSync(timeoutMs?: number): Promise<number>;
  /**
   * The graceful path (the chart's preStop): CLIENT PAUSE WRITE on the primary, replicas caught up,
   * SENTINEL FAILOVER, and once a different node is primary the old one is made its replica (the
   * way Sentinel would, seconds later) and unpaused. No acknowledged write is lost.
   */
  requestFailover(): Promise<FailoverResult>;
  /** SIGTERM to the Sentinels, then the nodes. */
  stop(): Promise<void>;
}

/** Until `node` replicates `primary` with its link up; the ms it took. */
export function replicaOf(node: RedisNode, primary: RedisNode, wait: WaitOptions): Promise<number> {
  return waitFor(`${node.name} a replica of ${primary.name}`, async () => {
    const info = await node.info('replication');
    return info.get('role') === 'slave' && info.get('master_port') === String(primary.port) && info.get('master_link_status') === 'up';
  }, wait);
}

function hostPort(member: { host: string; port: number }): string {
  return `${member.host}:${member.port}`;
}

/**
 * Who the Sentinels say the primary is: the `host:port` a majority of `sentinels` answers with, or
 * undefined. Sentinels that do not answer within `timeoutMs` count as no vote.
 */
export async function askSentinels(
  sentinels: readonly TopologyMember[],
  masterName: string,
  password: string | undefined,
  timeoutMs = 1000,
): Promise<string | undefined> {
  const answers = await Promise.all(
    sentinels.map(async (sentinel) => {
      try {
        const reply = await command({ ...sentinel, password }, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName], timeoutMs);
        const [host, port] = reply.split('\n');
        return host && port ? `${host}:${port}` : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return majority(answers, sentinels.length);
}

function majority(answers: readonly (string | undefined)[], voters: number): string | undefined {
  const tally = new Map<string, number>();
  for (const answer of answers) if (answer !== undefined) tally.set(answer, (tally.get(answer) ?? 0) + 1);
  for (const [answer, count] of tally) if (count > voters / 2) return answer;
  return undefined;
}

/** The primary the Sentinels' persisted config files name (a majority), for when none is running. */
function persistedPrimary(topology: Topology): string | undefined {
  const answers = topology.sentinels.map((sentinel) => {
    try {
      const text = readFileSync(join(sentinel.dir, 'sentinel.conf'), 'utf8');
      const match = new RegExp(`^sentinel monitor ${topology.masterName} (\\S+) (\\d+)`, 'm').exec(text);
      return match ? `${match[1]}:${match[2]}` : undefined;
    } catch {
      return undefined;
    }
  });
  return majority(answers, topology.sentinels.length);
}

/**
 * A node decides its role when it starts: the primary the running Sentinels name, else the one
 * their persisted configs name, else node 0 (first start). So a restarted node never becomes a
 * second primary: it comes back as a replica of whoever is primary now (or as the primary, when
 * the Sentinels still say it is one).
 */
export const launchNode: Launcher = async (topology, index) => {
  const self = topology.nodes[index];
  const first = topology.nodes[0];
  if (!self || !first) throw new Error(`${topology.name}: no node ${index}`);
  const primary =
    (await askSentinels(topology.sentinels, topology.masterName, topology.password, 500)) ?? persistedPrimary(topology) ?? hostPort(first);
  const role = primary === hostPort(self) ? [] : ['--replicaof', ...primary.split(':')];
  return {
    command: 'redis-server',
    args: redisServerArgs({ ...self, password: topology.password, args: [...role, ...topology.nodeArgs] }),
  };
};

/**
 * `redis-server <dir>/sentinel.conf --sentinel`. The config file is written once, on the first
 * start, in the Sentinel's own folder: Sentinel rewrites it (known replicas and sentinels, the
 * current primary, its epoch) and a restart must find that, so a restart keeps it.
 */
export const launchSentinel: Launcher = (topology, index) => {
  const self = topology.sentinels[index];
  const first = topology.nodes[0];
  if (!self || !first) throw new Error(`${topology.name}: no sentinel ${index}`);
  mkdirSync(self.dir, { recursive: true });
  const configPath = join(self.dir, 'sentinel.conf');
  if (!existsSync(configPath)) {
    const m = topology.masterName;
    const password = topology.password === undefined ? undefined : configQuote(topology.password);
    const lines = [
      '# Written by harness/redis.ts on the first start; Sentinel rewrites this file.',
      `port ${self.port}`,
      `bind ${self.host}`,
      `dir ${configQuote(self.dir)}`,
      'protected-mode no',
      `sentinel monitor ${m} ${first.host} ${first.port} ${topology.quorum}`,
      `sentinel down-after-milliseconds ${m} ${topology.downAfterMs}`,
      `sentinel failover-timeout ${m} ${topology.failoverTimeoutMs}`,
      `sentinel parallel-syncs ${m} 1`,
      ...(password === undefined
        ? []
        : [`sentinel auth-pass ${m} ${password}`, `requirepass ${password}`, `sentinel sentinel-pass ${password}`]),
    ];
    writeFileSync(configPath, `${lines.join('\n')}\n`);
  }
  return Promise.resolve({ command: 'redis-server', args: [configPath, '--sentinel'] });
};

/**
 * `replicas` redis-server nodes (node 0 the first primary, the others started with --replicaof)
 * and `sentinels` Sentinels monitoring them; resolves once the replicas are in sync and every
 * Sentinel knows every replica and every other Sentinel, so a failover can happen at once.
 */
export async function startReplicated(group: ProcessGroup, options: ReplicatedOptions): Promise<ReplicatedRedis> {
  const host = '127.0.0.1';
  const member = async (name: string, dir: string): Promise<TopologyMember> => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return { name, host, port: await freePort(host), dir };
  };
  const topology: Topology = {
    name: options.name,
    masterName: 'xwing',
    quorum: options.quorum ?? 2,
    downAfterMs: options.downAfterMs ?? 1000,
    failoverTimeoutMs: options.failoverTimeoutMs ?? 5000,
    password: options.password,
    nodeArgs: options.args ?? [],
    nodes: [],
    sentinels: [],
  };
  // 3 nodes (the chart's `redis.replication.replicas`, the primary included) and 3 Sentinels.
  for (let i = 0; i < 3; i++) topology.nodes.push(await member(`${options.name}-node-${i}`, join(options.dir, `node-${i}`)));
  for (let i = 0; i < 3; i++) topology.sentinels.push(await member(`${options.name}-sentinel-${i}`, join(options.dir, `sentinel-${i}`)));

  const launchNodeFn = options.launchNode ?? launchNode;
  const launchSentinelFn = options.launchSentinel ?? launchSentinel;
  const nodes = topology.nodes.map(
    (m, i) => new Server(group, { ...m, password: options.password, launch: () => launchNodeFn(topology, i) }),
  );
  const sentinels = topology.sentinels.map(
    (m, i) =>
      new Server(group, {
        ...m,
        password: options.password,
        configPath: join(m.dir, 'sentinel.conf'),
        launch: () => launchSentinelFn(topology, i),
      }),
  );
  const replicated = new Replicated(topology, nodes, sentinels);
  const started: Server[] = [];
  const startAll = (servers: Server[]) =>
    Promise.all(
      servers.map(async (server) => {
        started.push(server);
        await server.start();
      }),
    );
  try {
    const [first, ...rest] = nodes;
    if (!first) throw new Error('unreachable');
    await startAll([first]);
    await startAll(rest);
    await waitFor(`${options.name}: replicas in sync with ${first.name}`, () => replicated.inSyncWith(first), { timeoutMs: START_TIMEOUT_MS });
    await startAll(sentinels);
    await replicated.waitForSentinels(START_TIMEOUT_MS);
    return replicated;
  } catch (error) {
    await Promise.all(started.map((server) => server.kill('SIGKILL').catch(() => undefined)));
    throw error;
  }
}

class Replicated implements ReplicatedRedis {
  readonly name: string;
  readonly nodes: Server[];
  readonly sentinels: Server[];
  readonly masterName: string;
  readonly password: string | undefined;
  readonly sentinelList: string;
  readonly #downAfterMs: number;
  readonly #url: string;

  constructor(topology: Topology, nodes: Server[], sentinels: Server[]) {
    this.#url = nodes[0]?.url ?? '';
    this.#downAfterMs = topology.downAfterMs;
    this.name = topology.name;
    this.nodes = nodes;
    this.sentinels = sentinels;
    this.masterName = topology.masterName;
    this.password = topology.password;
    this.sentinelList = sentinels.map(hostPort).join(',');
  }

  appEnv(): Record<string, string> {
    // REDIS_URL's host and port are placeholders: in Sentinel mode the app takes only credentials from it.
    return { REDIS_SENTINELS: this.sentinelList, REDIS_SENTINEL_NAME: this.masterName, REDIS_URL: this.#url };
  }

  async primary(): Promise<Server> {
    const answer = await askSentinels(this.sentinels, this.masterName, this.password);
    if (answer === undefined) throw new Error(`${this.name}: no majority of ${this.sentinels.length} Sentinels names a primary`);
    const node = this.nodes.find((n) => hostPort(n) === answer);
    if (!node) throw new Error(`${this.name}: the Sentinels name ${answer}, which is not a node of this topology`);
    return node;
  }

  async waitForPrimary({ not, timeoutMs = 15_000 }: { not?: RedisNode; timeoutMs?: number } = {}): Promise<Server> {
    let found: Server | undefined;
    const what = `${this.name}: a primary${not ? ` other than ${not.name}` : ''}`;
    await waitFor(what, async () => {
      const node = await this.primary();
      if (node !== not && (await node.info('replication')).get('role') === 'master') found = node;
      return found !== undefined;
    }, { timeoutMs });
    if (!found) throw new Error('unreachable');
    return found;
  }

  async waitInSync(timeoutMs = 15_000): Promise<number> {
    return waitFor(`${this.name}: replicas in sync`, async () => this.inSyncWith(await this.primary()), { timeoutMs });
  }

  /** Every other live node replicates `primary` with its link up and has its offset. */
  async inSyncWith(primary: RedisNode, timeoutMs?: number): Promise<boolean> {
    const { synced, live } = await this.caughtUp(primary, timeoutMs);
    return synced === live;
  }

  /**
   * How many of the other live nodes replicate `primary` with their link up and have its offset
   * (`synced`), of `live`. A node that does not answer (SIGSTOPped) counts as live, not synced.
   */
  async caughtUp(primary: RedisNode, timeoutMs = 2000): Promise<{ synced: number; live: number }> {
    const replication = async (node: RedisNode) => parseInfo(await command(node, ['INFO', 'replication'], timeoutMs));
    const offset = Number((await replication(primary)).get('master_repl_offset'));
    const others = this.nodes.filter((node) => node !== primary && node.process.alive);
    const synced = await Promise.all(
      others.map(async (node) => {
        const info = await replication(node).catch(() => undefined);
        return (
          info?.get('role') === 'slave' &&
          info.get('master_host') === primary.host &&
          info.get('master_port') === String(primary.port) &&
          info.get('master_link_status') === 'up' &&
          Number(info.get('slave_repl_offset')) >= offset
        );
      }),
    );
    return { synced: synced.filter(Boolean).length, live: others.length };
  }

  /** Until every Sentinel sees the primary up, every replica with its link up, and every other Sentinel. */
  async waitForSentinels(timeoutMs: number): Promise<number> {
    const replicas = this.nodes.length - 1;
    const others = this.sentinels.length - 1;
    return waitFor(
      `${this.name}: every Sentinel knows ${replicas} replicas and ${others} other Sentinels`,
      async () => {
        for (const sentinel of this.sentinels) {
          const master = pairs(await sentinel.cli('SENTINEL', 'MASTER', this.masterName));
          if (master.get('flags') !== 'master') return false;
          if (master.get('num-slaves') !== String(replicas) || master.get('num-other-sentinels') !== String(others)) return false;
          const known = (await sentinel.cli('SENTINEL', 'REPLICAS', this.masterName)).split('\n');
          // Flat list of field/value pairs per replica: count the healthy ones.
          const healthy = known.filter((line, i) => line === 'flags' && known[i + 1] === 'slave').length;
          const linked = known.filter((line, i) => line === 'master-link-status' && known[i + 1] === 'ok').length;
          if (healthy !== replicas || linked !== replicas) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  async requestFailover(): Promise<FailoverResult> {
    // Bounds each wait: for the new primary, and for the old one to become its replica. The pause is
    // ended explicitly once done, so it only needs to outlast the handover.
    const timeoutMs = 15_000;
    const pauseMs = timeoutMs + 5000;
    const from = await this.primary();
    const started = performance.now();
    // Writes wait on the old primary from here on: whatever it acknowledged, the replicas get.
    await from.cli('CLIENT', 'PAUSE', pauseMs, 'WRITE');
    try {
      // Sentinel promotes the replica with the highest offset it saw: wait until every live replica
      // has everything. One that does not catch up soon (hung, or resyncing) is left behind, as
      // long as another one has caught up. Soon: a paused primary stops answering Sentinel (its
      // hello PUBLISH waits on the pause, and the PINGs queue behind it), so after about
      // down-after-milliseconds the Sentinels would start a failover of their own.
      const catchUpMs = Math.min(timeoutMs, this.#downAfterMs / 2);
      const what = `${this.name}: replicas caught up with the paused ${from.name}`;
      const waited = waitFor(what, () => this.inSyncWith(from, 200), { timeoutMs: catchUpMs, intervalMs: 10 });
      const caughtUp = await waited.then(() => true, () => false);
      if (!caughtUp && (await this.caughtUp(from, 200)).synced === 0) {
        throw new Error(`${this.name}: no replica caught up with ${from.name}; a failover now would lose writes`);
      }
      await this.#sentinelFailover();
      const to = await this.waitForPrimary({ not: from, timeoutMs });
      const ms = performance.now() - started;
      // Sentinel would demote the old primary only seconds later (it sees the paused server as
      // down, and then waits before reconfiguring it), and until then clients stay connected to
      // it. Do what Sentinel does now: make it a replica and close its client connections, so
      // clients ask Sentinel again. The writes held by the pause never run on it.
      await commands(from, [
        ['MULTI'],
        ['REPLICAOF', to.host, to.port],
        ['CLIENT', 'KILL', 'TYPE', 'normal'],
        ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
        ['EXEC'],
      ]);
      await from.cli('CLIENT', 'UNPAUSE');
      await replicaOf(from, to, { timeoutMs });
      return { from, to, ms, totalMs: performance.now() - started };
    } finally {
      // On failure too: a failed request must not leave the primary refusing writes.
      await from.cli('CLIENT', 'UNPAUSE').catch(() => undefined);
    }
  }

  /** SENTINEL FAILOVER on the first Sentinel that accepts it. */
  async #sentinelFailover(): Promise<void> {
    const errors: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const sentinel of this.sentinels) {
        if (!sentinel.process.alive) continue;
        try {
          await sentinel.cli('SENTINEL', 'FAILOVER', this.masterName);
          return;
        } catch (error) {
          // The Sentinels already fail the primary over (e.g. they saw it as down): same outcome.
          if ((error as Error).message.includes('INPROGRESS')) return;
          errors.push(`${sentinel.name}: ${(error as Error).message}`);
        }
      }
      await sleep(200);
    }
    throw new Error(`${this.name}: no Sentinel started a failover:\n${errors.join('\n')}`);
  }

  async stop(): Promise<void> {
    for (const server of [...this.sentinels, ...this.nodes]) await server.stop();
  }
}

/** A value as a Redis config file reads it (double quotes, backslash escapes). */
export function configQuote(value: string): string {
  const escaped = value.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

/** A flat field/value reply (SENTINEL MASTER) as a map. */
function pairs(text: string): Map<string, string> {
  const lines = text.split('\n');
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) map.set(lines[i] ?? '', lines[i + 1] ?? '');
  return map;
}
