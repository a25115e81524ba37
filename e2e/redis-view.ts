// The Redis topology of a release in replication mode as seen from inside the cluster: who each
// Sentinel names as the primary and what each node says of itself, asked over the network with
// the harness's RESP client. Nodes go by pod name: a node's stable DNS name starts with it.
import { commands, parseInfo, type Endpoint, type Reply } from '../harness/resp.ts';

export interface Topology {
  masterName: string;
  sentinels: Endpoint[];
  nodes: Endpoint[];
}

export interface NodeState {
  role: string;
  /** The pod a replica replicates from. */
  primary: string | undefined;
  link: string | undefined;
  syncing: boolean;
  /** master_repl_offset of a primary, slave_repl_offset of a replica. */
  offset: number;
}

export interface View {
  /** Epoch ms when the view was taken. */
  at: number;
  /** Sentinel pod -> the pod it names as primary; null when it did not answer. */
  named: Record<string, string | null>;
  /** Node pod -> its INFO replication; null when it did not answer. */
  nodes: Record<string, NodeState | null>;
}

/** The data port of every Redis pod (the chart's; Sentinel runs beside it in the same pod). */
const DATA_PORT = 6379;
const VIEW_TIMEOUT_MS = 800;

export function podOf(host: string): string {
  return host.split('.')[0] ?? host;
}

/**
 * From the release's own settings, which the client pod gets as environment: REDIS_SENTINELS (every
 * pod's Sentinel by stable name), REDIS_SENTINEL_NAME and REDIS_PASSWORD.
 */
export function topologyFromEnv(env: NodeJS.ProcessEnv): Topology {
  const list = env.REDIS_SENTINELS ?? '';
  if (list === '') throw new Error('REDIS_SENTINELS is not set: the release does not run Redis with replication');
  const password = env.REDIS_PASSWORD === '' ? undefined : env.REDIS_PASSWORD;
  const sentinels = list.split(',').map((entry) => {
    const colon = entry.lastIndexOf(':');
    return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)), password };
  });
  return {
    masterName: env.REDIS_SENTINEL_NAME ?? 'xwing',
    sentinels,
    nodes: sentinels.map((s) => ({ ...s, port: DATA_PORT })),
  };
}

async function named(topology: Topology, sentinel: Endpoint): Promise<string | null> {
  const [reply] = await commands(sentinel, [['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', topology.masterName]], VIEW_TIMEOUT_MS).catch(() => [null]);
  return Array.isArray(reply) && typeof reply[0] === 'string' ? podOf(reply[0]) : null;
}

async function nodeState(node: Endpoint): Promise<NodeState | null> {
  const [reply] = await commands(node, [['INFO', 'replication']], VIEW_TIMEOUT_MS).catch(() => [null]);
  if (typeof reply !== 'string') return null;
  const info = parseInfo(reply);
  const role = info.get('role') ?? 'unknown';
  const masterHost = info.get('master_host');
  return {
    role,
    primary: masterHost === undefined ? undefined : podOf(masterHost),
    link: info.get('master_link_status'),
    syncing: info.get('master_sync_in_progress') === '1',
    offset: Number(info.get(role === 'master' ? 'master_repl_offset' : 'slave_repl_offset') ?? -1),
  };
}

/** One view: every Sentinel and every node asked at once, each bounded by VIEW_TIMEOUT_MS. */
export async function view(topology: Topology): Promise<View> {
  const at = Date.now();
  const [sentinels, nodes] = await Promise.all([
    Promise.all(topology.sentinels.map((s) => named(topology, s))),
    Promise.all(topology.nodes.map((n) => nodeState(n))),
  ]);
  return {
    at,
    named: Object.fromEntries(topology.sentinels.map((s, i) => [podOf(s.host), sentinels[i] ?? null])),
    nodes: Object.fromEntries(topology.nodes.map((n, i) => [podOf(n.host), nodes[i] ?? null])),
  };
}

export function masters(v: View): string[] {
  return Object.entries(v.nodes)
    .filter(([, state]) => state?.role === 'master')
    .map(([pod]) => pod);
}

/** A flat field/value reply (SENTINEL MASTER, one entry of SENTINEL REPLICAS) as a map. */
function fields(reply: Reply): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

/** Why `sentinel` would not yet manage a clean failover: it must see the primary, every replica healthy and every peer. */
async function sentinelProblems(topology: Topology, sentinel: Endpoint): Promise<string[]> {
  const who = podOf(sentinel.host);
  const [master, replicas] = await commands(sentinel, [
    ['SENTINEL', 'MASTER', topology.masterName],
    ['SENTINEL', 'REPLICAS', topology.masterName],
  ]).catch(() => [null, null]);
  if (master === null || master === undefined) return [`Sentinel ${who} does not answer`];
  const m = fields(master);
  const problems: string[] = [];
  if (m.get('flags') !== 'master') problems.push(`Sentinel ${who} flags the primary ${m.get('flags') ?? '?'}`);
  if (m.get('num-other-sentinels') !== String(topology.sentinels.length - 1)) {
    problems.push(`Sentinel ${who} knows ${m.get('num-other-sentinels') ?? '?'} other Sentinels`);
  }
  const healthy = (Array.isArray(replicas) ? replicas : []).map(fields).filter((r) => r.get('flags') === 'slave' && r.get('master-link-status') === 'ok');
  if (healthy.length !== topology.nodes.length - 1) problems.push(`Sentinel ${who} sees ${healthy.length} healthy replicas`);
  return problems;
}

/**
 * Why the topology is not settled, [] once it is: exactly one node is primary, every Sentinel names
 * it, every other node replicates it in sync, and every Sentinel sees the replicas healthy and its
 * peers. Only then is a next failure a single failure: before it, a failover could only promote a
 * replica that lags, or could not be agreed.
 */
export async function unsettled(topology: Topology): Promise<string[]> {
  const v = await view(topology);
  const primaries = masters(v);
  if (primaries.length !== 1) return [`${primaries.length} nodes report role:master (${primaries.join(', ')})`];
  const primary = primaries[0] ?? '';
  const offset = v.nodes[primary]?.offset ?? 0;
  const problems: string[] = [];
  for (const [sentinel, pod] of Object.entries(v.named)) {
    if (pod !== primary) problems.push(`Sentinel ${sentinel} names ${pod ?? 'nothing'}, not ${primary}`);
  }
  for (const [pod, state] of Object.entries(v.nodes)) {
    if (pod === primary) continue;
    if (!state) problems.push(`${pod} does not answer`);
    else if (state.primary !== primary || state.link !== 'up' || state.syncing) problems.push(`${pod} is not an in-sync replica of ${primary}`);
    else if (state.offset < offset) problems.push(`${pod} is ${offset - state.offset} bytes behind`);
  }
  const perSentinel = await Promise.all(topology.sentinels.map((s) => sentinelProblems(topology, s)));
  return [...problems, ...perSentinel.flat()];
}
