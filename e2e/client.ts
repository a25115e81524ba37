// The e2e suite's client. run.ts copies it with the harness into a pod of the release's namespace
// (the app image: Node 24 runs TypeScript as is) and runs it there, so that it reaches the API
// Service and the Redis pods the way in-cluster clients do, on any cluster. XWING_URL is the
// Service; in replication mode REDIS_SENTINELS, REDIS_SENTINEL_NAME and REDIS_PASSWORD come from
// the release. Its files live in the pod's /tmp/xw.
//   login                           register and log in a fresh user (kept in user.json)
//   session                         exit 0 while that user's session is valid
//   load RPS MAXSEC                 that user's session checks until stop-load exists; exit 1 on any failure
//   topology                        the Redis topology as JSON; exit 0 once it has settled
//   fault NAME VICTIM RPS MAXSEC    one Redis fault under load until stop-NAME exists (see fault.ts)
//   stop NAME [TEXT]                create stop-NAME (holding TEXT); unstop NAME removes it
// The image has no shell (distroless), so the suite does these small file jobs through node.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, type User } from '../harness/client.ts';
import { LoadGenerator } from '../harness/load.ts';
import { waitFor } from '../harness/wait.ts';
import { runFault } from './fault.ts';
import { masters, topologyFromEnv, unsettled, view } from './redis-view.ts';

const STATE = '/tmp/xw';
const USER_FILE = join(STATE, 'user.json');

function baseUrl(): string {
  const url = process.env.XWING_URL;
  if (!url) throw new Error('XWING_URL is not set');
  return url;
}

function stopPath(name: string | undefined): string {
  if (!name || !/^[a-z0-9-]+$/.test(name)) throw new Error(`a stop name is lower-case letters, digits and dashes, got ${name ?? 'nothing'}`);
  return join(STATE, `stop-${name}`);
}

function positive(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${value ?? 'nothing'}`);
  return n;
}

function savedUser(): User {
  return JSON.parse(readFileSync(USER_FILE, 'utf8')) as User;
}

async function login(api: ApiClient): Promise<void> {
  const user = await api.registerAndLogin(`e2e${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`, `${crypto.randomUUID()}-Aa1!`);
  writeFileSync(USER_FILE, JSON.stringify(user), { mode: 0o600 });
  console.log(JSON.stringify({ username: user.username }));
}

async function session(api: ApiClient): Promise<number> {
  const res = await api.session(savedUser().token);
  console.log(JSON.stringify({ status: res.status, servedBy: res.servedBy }));
  return res.status === 200 ? 0 : 1;
}

/** A new connection per request: the rollout step measures whether the Service stops routing to terminating pods in time, not how a client recovers from a closed keep-alive socket. */
async function load(rate: number, maxSeconds: number): Promise<number> {
  const stopFile = stopPath('load');
  const generator = new LoadGenerator({
    backends: [{ name: 'service', url: baseUrl() }],
    users: [savedUser()],
    rate,
    mix: [['session', 1]],
    keepAlive: false,
    maxDurationMs: maxSeconds * 1000,
  });
  generator.start();
  const stoppedBy = await waitFor(stopFile, () => existsSync(stopFile), { timeoutMs: maxSeconds * 1000, intervalMs: 200 }).then(
    () => 'stop-file',
    () => 'deadline',
  );
  const records = await generator.stop();
  const ok = records.filter((r) => r.ok);
  const errors: Record<string, number> = {};
  const servedBy: Record<string, number> = {};
  for (const r of records) {
    if (r.ok) servedBy[r.servedBy ?? '?'] = (servedBy[r.servedBy ?? '?'] ?? 0) + 1;
    else errors[r.error ?? `HTTP ${r.status}`] = (errors[r.error ?? `HTTP ${r.status}`] ?? 0) + 1;
  }
  const failed = records.length - ok.length;
  console.log(JSON.stringify({ ok: ok.length, failed, errors, servedBy, stoppedBy }));
  return failed > 0 || ok.length === 0 || stoppedBy !== 'stop-file' ? 1 : 0;
}

async function topology(): Promise<number> {
  const t = topologyFromEnv(process.env);
  const problems = await unsettled(t);
  const v = await view(t);
  console.log(JSON.stringify({ primaries: masters(v), named: v.named, nodes: v.nodes, settled: problems.length === 0, problems }));
  return problems.length === 0 ? 0 : 1;
}

async function fault(args: readonly string[]): Promise<number> {
  const [name, victim, rate, maxSeconds] = args;
  if (!name || !victim) throw new Error('usage: fault NAME VICTIM RPS MAXSEC');
  const result = await runFault({
    baseUrl: baseUrl(),
    topology: topologyFromEnv(process.env),
    victim,
    rate: positive(rate, 'RPS'),
    maxSeconds: positive(maxSeconds, 'MAXSEC'),
    stopFile: stopPath(name),
  });
  console.log(JSON.stringify({ name, ...result }));
  return 0;
}

async function main(action: string | undefined, args: readonly string[]): Promise<number> {
  const api = new ApiClient(baseUrl(), { keepAlive: false });
  try {
    switch (action) {
      case 'login':
        await login(api);
        return 0;
      case 'session':
        return await session(api);
      case 'load':
        return await load(positive(args[0], 'RPS'), positive(args[1], 'MAXSEC'));
      case 'topology':
        return await topology();
      case 'fault':
        return await fault(args);
      case 'stop':
        writeFileSync(stopPath(args[0]), `${args[1] ?? ''}\n`);
        return 0;
      case 'unstop':
        rmSync(stopPath(args[0]), { force: true });
        return 0;
      default:
        throw new Error(`unknown action ${action ?? '(none)'}`);
    }
  } finally {
    api.close();
  }
}

// Exits at once: a load or a sampler cut short by an error must not run on to its own deadline.
process.exit(
  await main(process.argv[2], process.argv.slice(3)).catch((error: unknown) => {
    console.error((error as Error).message);
    return 1;
  }),
);
