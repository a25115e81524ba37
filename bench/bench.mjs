// The benchmark proper: every variant in turn on loopback, the same Node, the same Redis, the same generator
// settings. The app runs on one CPU (BENCH_APP_CPU), this process, the wrk generator and
// Redis on another (BENCH_LOAD_CPU), so neither steals cycles from the app being measured.
// Writes results.json and results.md into bench/results/<timestamp>/ and prints the table.
// Started by run.mjs, which pins it (and Redis, its child) to the load CPU.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const smoke = env.BENCH_SMOKE === '1';
const profiling = env.BENCH_PROFILE === '1';
const num = (name, fallback) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const settings = {
  smoke,
  rounds: num('BENCH_ROUNDS', smoke ? 1 : 3),
  warmupSeconds: num('BENCH_WARMUP_S', smoke ? 1 : 3),
  durationSeconds: num('BENCH_DURATION_S', smoke ? 3 : 10),
  connections: num('BENCH_CONNECTIONS', 100),
  coldStarts: num('BENCH_COLD_STARTS', smoke ? 1 : 7),
  fixedRate: env.BENCH_RATE ? num('BENCH_RATE') : undefined,
  appCpu: env.BENCH_APP_CPU ?? '0',
  loadCpu: env.BENCH_LOAD_CPU ?? '1',
  profiling,
  xwingExtraEnv: env.BENCH_XWING_ENV ?? '',
  variants: (env.BENCH_VARIANTS ?? (profiling ? '3,4' : '1,2,3,4,5,6')).split(',').map(Number),
  logTo: 'a file per run (LOG_LEVEL=info, stdout redirected; lines counted, then the file is deleted)',
};
// The service under test: the checkout this script belongs to, or another build (a patched worktree).
const xwingRoot = resolve(env.XWING_ROOT ?? join(here, '..'));
const xwingDist = join(xwingRoot, 'dist');
const node = process.execPath;
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const outDir = resolve(env.BENCH_OUT ?? join(here, 'results', `${stamp}${smoke ? '-smoke' : profiling ? '-profile' : ''}`));
mkdirSync(join(outDir, 'logs'), { recursive: true });
if (env.BENCH_PINNED !== '1') throw new Error('start the bench with bench/run.mjs, which pins it to its CPU');
const clockTick = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const APP_PORT = 18080 + (process.pid % 1000);
const METRICS_PORT = APP_PORT + 1000;
const REDIS_PORT = APP_PORT + 2000;

if (!existsSync(join(xwingDist, 'server.js'))) throw new Error(`${xwingDist}/server.js is missing: run make build`);
if (cpus().length < 2) throw new Error('the bench needs 2 CPUs: one for the app, one for Redis and the generator');
const children = new Set();
function cleanup() {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

/** GET on loopback; resolves with the status, or undefined when nothing answers yet. */
function probe(path) {
  return new Promise((done) => {
    const req = get({ host: '127.0.0.1', port: APP_PORT, path, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
    });
    req.on('error', () => done(undefined));
    req.on('timeout', () => req.destroy());
  });
}

async function waitFor(check, what, timeoutMs = 15_000, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// --- Redis: private port, append-only like production, never evicting -------------------------
const redisDir = mkdtempSync(join(tmpdir(), 'xwing-bench-redis-'));
const redis = spawn(
  'redis-server',
  ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--dir', redisDir, '--appendonly', 'yes', '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction', '--save', '', '--logfile', join(outDir, 'logs', 'redis.log')],
  { stdio: 'ignore' },
);
children.add(redis);
process.on('exit', () => rmSync(redisDir, { recursive: true, force: true }));
const redisCli = (...args) =>
  execFileSync('redis-cli', ['-p', String(REDIS_PORT), ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
await waitFor(() => {
  try {
    return redisCli('ping') === 'PONG';
  } catch {
    return false;
  }
}, 'redis-server');
const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}`;

// --- Variants -------------------------------------------------------------------------------------
/**
 * The service runs as the image runs it: the runtime settings its Dockerfile sets in ENV (V8 and
 * malloc tuning), read from the Dockerfile so that the bench cannot drift from what ships. Paths
 * (the compile cache) are left out; the cold start below measures with and without one.
 */
function imageRuntimeEnv() {
  const dockerfile = readFileSync(join(xwingRoot, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.search(/^FROM .* AS runtime$/m));
  const picked = {};
  for (const [, name, value] of runtime.matchAll(/^ENV (NODE_OPTIONS|GLIBC_TUNABLES)=(\S+)$/gm)) picked[name] = value;
  if (Object.keys(picked).length === 0) throw new Error('found no ENV NODE_OPTIONS or GLIBC_TUNABLES in the Dockerfile runtime stage');
  return picked;
}
const imageEnv = imageRuntimeEnv();
settings.xwingImageEnv = imageEnv;
const xwingEnv = {
  PORT: String(APP_PORT),
  METRICS_PORT: String(METRICS_PORT),
  REDIS_URL,
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  // The API limiter keys by client address, and every bench request comes from 127.0.0.1.
  RATE_LIMIT_MAX: '10000000',
  SHUTDOWN_DELAY_MS: '0',
  SHUTDOWN_TIMEOUT_MS: '1000',
  POD_NAME: 'bench',
  ...imageEnv,
  // Extra settings for the service only (a patch under test, e.g. NODE_OPTIONS=--max-semi-space-size=8).
  ...Object.fromEntries((env.BENCH_XWING_ENV ?? '').split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
};
const baselineEnv = { PORT: String(APP_PORT), REDIS_URL, LOG_LEVEL: 'info', XWING_DIST: xwingDist };

async function json(path, init) {
  const res = await fetch(`http://127.0.0.1:${APP_PORT}${path}`, init);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

async function xwingLogin() {
  const credentials = JSON.stringify({ username: `bench-${process.pid}-${Date.now()}`, password: 'bench password' });
  const headers = { 'content-type': 'application/json' };
  const registered = await json('/auth/register', { method: 'POST', headers, body: credentials });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${registered.body}`);
  const login = await json('/auth/login', { method: 'POST', headers, body: credentials });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${login.body}`);
  return { authorization: `Bearer ${JSON.parse(login.body).token}` };
}

const VARIANTS = {
  1: { name: 'node:http, JSON', args: [join(here, 'variants/plain-http.mjs')], env: baselineEnv, ready: '/auth/session', path: '/auth/session', seed: async () => ({}) },
  2: { name: 'Express 5, JSON', args: [join(here, 'variants/express.mjs')], env: baselineEnv, ready: '/auth/session', path: '/auth/session', seed: async () => ({}) },
  3: { name: 'xwing GET /auth/session', args: [join(xwingDist, 'server.js')], env: xwingEnv, ready: '/readyz', path: '/auth/session', seed: xwingLogin },
  4: {
    name: 'xwing GET /profile (cache hit)',
    args: [join(xwingDist, 'server.js')],
    env: xwingEnv,
    ready: '/readyz',
    path: '/profile',
    seed: async () => {
      const headers = await xwingLogin();
      await json('/profile', { headers });
      const second = await json('/profile', { headers });
      if (second.status !== 200 || second.headers.get('x-cache') !== 'HIT') throw new Error(`/profile did not hit the cache (${second.status})`);
      return headers;
    },
  },
  5: {
    name: 'express-session + connect-redis',
    args: [join(here, 'variants/express-session.mjs')],
    env: baselineEnv,
    ready: '/auth/session',
    path: '/auth/session',
    seed: async () => {
      const login = await json('/auth/login', { method: 'POST' });
      const cookie = login.headers.get('set-cookie')?.split(';')[0];
      if (login.status !== 200 || !cookie) throw new Error(`express-session login answered ${login.status}`);
      return { cookie };
    },
  },
  6: {
    name: 'in-memory Map sessions',
    args: [join(here, 'variants/memory-sessions.mjs')],
    env: baselineEnv,
    ready: '/auth/session',
    path: '/auth/session',
    seed: async () => ({ authorization: `Bearer ${JSON.parse((await json('/auth/login', { method: 'POST' })).body).token}` }),
  },
};
for (const id of settings.variants) if (!VARIANTS[id]) throw new Error(`unknown variant ${id} in BENCH_VARIANTS`);

function cpuTicks(pid) {
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function peakRssMb(pid) {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

async function startApp(variant, label, extraArgs = []) {
  // Another process on the port would answer our probes and be measured instead.
  if ((await probe('/')) !== undefined) throw new Error(`port ${APP_PORT} is already in use; stop that process or rerun`);
  const logFile = join(outDir, 'logs', `${label}.log`);
  const fd = openSync(logFile, 'w');
  // taskset execs node, so the child's pid is the app's pid.
  const child = spawn('taskset', ['-c', settings.appCpu, node, ...extraArgs, ...variant.args], {
    env: { PATH: env.PATH, HOME: env.HOME, ...variant.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.add(child);
  const spawnedAt = performance.now();
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, logFile, exited, spawnedAt };
}

async function stopApp(app) {
  app.child.kill('SIGTERM');
  const stopped = await Promise.race([app.exited, sleep(5000).then(() => undefined)]);
  if (!stopped) {
    app.child.kill('SIGKILL');
    await app.exited;
  }
  children.delete(app.child);
}

/**
 * wrk (C, epoll) costs a fraction of a Node generator's CPU per request, so the generator's core
 * limits the light variants less. Without a rate: saturation. With one: wrk-rate.lua spaces each
 * connection's requests by a random delay averaging connections / rate.
 */
function wrk(path, headers, seconds, rate) {
  const script = rate ? 'wrk-rate.lua' : 'wrk-report.lua';
  const args = ['-t1', `-c${settings.connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', join(here, script)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(`http://127.0.0.1:${APP_PORT}${path}`);
  if (rate) args.push('--', String((settings.connections * 1000) / rate));
  return new Promise((done, fail) => {
    // Below Redis (which inherits this process's priority) on the shared CPU: Redis is part of the
    // system under test, the generator only takes what is left.
    execFile('nice', ['-n', '19', 'wrk', ...args], { timeout: (seconds + 30) * 1000 }, (error, stdout) => {
      if (error) return fail(new Error(`wrk failed: ${error.message}`));
      const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (!line) return fail(new Error(`wrk printed no result: ${stdout}`));
      const r = JSON.parse(line.slice('WRK_JSON '.length));
      done({
        requests: r.requests,
        seconds: r.durationUs / 1e6,
        rps: r.requests / (r.durationUs / 1e6),
        p50Ms: r.p50Us / 1000,
        p99Ms: r.p99Us / 1000,
        maxMs: r.maxUs / 1000,
        non2xx: r.status,
        errors: r.connect + r.read + r.write,
        timeouts: r.timeout,
      });
    });
  });
}

function failures(result) {
  return result.errors + result.timeouts + result.non2xx;
}

async function runOnce(id, round, rate) {
  const variant = VARIANTS[id];
  const label = `v${id}-r${round}`;
  const profileArgs = profiling ? ['--cpu-prof', '--cpu-prof-dir', join(outDir, 'profiles'), '--cpu-prof-name', `${label}.cpuprofile`] : [];
  const app = await startApp(variant, label, profileArgs);
  try {
    await waitFor(async () => {
      const status = await probe(variant.ready);
      return variant.ready === '/readyz' ? status === 200 : status !== undefined;
    }, `variant ${id} to answer ${variant.ready}`);
    const headers = await variant.seed();
    await wrk(variant.path, headers, settings.warmupSeconds);

    const before = cpuTicks(app.child.pid);
    const saturation = await wrk(variant.path, headers, settings.durationSeconds);
    const satCpuSeconds = (cpuTicks(app.child.pid) - before) / clockTick;

    let fixed;
    if (rate) {
      const start = cpuTicks(app.child.pid);
      const result = await wrk(variant.path, headers, settings.durationSeconds, rate);
      fixed = {
        rate,
        achievedRps: result.rps,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        maxMs: result.maxMs,
        cpuUsPerRequest: ((cpuTicks(app.child.pid) - start) * 1e6) / clockTick / result.requests,
        failures: failures(result),
      };
    }
    const peakRss = peakRssMb(app.child.pid);
    const run = {
      round,
      saturation: {
        rps: saturation.rps,
        p50Ms: saturation.p50Ms,
        p99Ms: saturation.p99Ms,
        cpuUsPerRequest: (satCpuSeconds * 1e6) / saturation.requests,
        // Below ~95 % the app was not what limited throughput (the generator's core, or neighbours).
        appCpuShare: satCpuSeconds / saturation.seconds,
        failures: failures(saturation),
        non2xx: saturation.non2xx,
        errors: saturation.errors,
        timeouts: saturation.timeouts,
      },
      fixed,
      peakRssMb: peakRss,
    };
    return run;
  } finally {
    await stopApp(app);
    // Kept only as a size: the logging check below needs the bytes, not the (large) file.
    lastLogBytes.set(label, statSync(app.logFile).size);
    if (!env.BENCH_KEEP_LOGS) rmSync(app.logFile);
  }
}
const lastLogBytes = new Map();

// --- Cold start: spawn → first /readyz 200 --------------------------------------------------------
// The image ships a V8 compile cache of its modules (NODE_COMPILE_CACHE, made at build time); a
// process started from a plain checkout has none. Both are measured: one start fills the cache.
const compileCache = mkdtempSync(join(tmpdir(), 'xwing-bench-compile-cache-'));
process.on('exit', () => rmSync(compileCache, { recursive: true, force: true }));

async function coldStart(index, cached) {
  const variant = cached ? { ...VARIANTS[3], env: { ...VARIANTS[3].env, NODE_COMPILE_CACHE: compileCache } } : VARIANTS[3];
  const app = await startApp(variant, `cold-${cached ? 'cached' : 'uncached'}-${index}`);
  try {
    await waitFor(async () => (await probe('/readyz')) === 200, 'xwing /readyz', 15_000, 2);
    // CPU time to ready says what start-up costs even when neighbours stretch the wall time.
    return { wallMs: performance.now() - app.spawnedAt, cpuMs: (cpuTicks(app.child.pid) * 1000) / clockTick };
  } finally {
    await stopApp(app);
  }
}

function imageSize() {
  const version = JSON.parse(readFileSync(join(xwingRoot, 'package.json'), 'utf8')).version;
  const image = env.BENCH_IMAGE ?? `xwing:${version}`;
  try {
    const bytes = Number(execFileSync('docker', ['image', 'inspect', '--format', '{{.Size}}', image], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    return { image, bytes, mb: Math.round(bytes / 1e6) };
  } catch {
    return { image, skipped: `docker image inspect ${image} found nothing (no docker, or the image is not built)` };
  }
}

// --- Statistics and report --------------------------------------------------------------------------
function spread(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted.at(-1), n: sorted.length };
}

const fmt = (value, digits = 0) => (value === undefined ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const triple = (s, digits = 0) => (s ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : '–');

function machine() {
  const redisVersion = /v=(\S+)/.exec(execFileSync('redis-server', ['--version']).toString())?.[1];
  return {
    cpu: cpus()[0]?.model,
    cpus: cpus().length,
    niceness: Number(execFileSync('ps', ['-o', 'ni=', '-p', String(process.pid)]).toString().trim()),
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    kernel: release(),
    node: process.version,
    redis: redisVersion,
    pinning: `app on CPU ${settings.appCpu}; generator and Redis on CPU ${settings.loadCpu}`,
    generator: `${spawnSync('wrk', ['--version']).stdout.toString().split(' Copyright')[0].trim()}, one thread`,
  };
}

// --- Profile mode (make bench-profile): saturation under --cpu-prof, then a summary per variant ---------
async function profileAndExit() {
  const { summarise } = await import('./cpuprofile-summary.mjs');
  const report = [];
  for (const id of settings.variants) {
    log(`profiling variant ${id} (${VARIANTS[id].name})`);
    const run = await runOnce(id, 1, undefined);
    const summary = summarise(join(outDir, 'profiles', `v${id}-r1.cpuprofile`));
    results.variants[id].runs.push(run);
    results.variants[id].profile = summary;
    report.push(
      `## variant ${id}: ${VARIANTS[id].name}: ${Math.round(run.saturation.rps)} req/s under the profiler, ${Math.round(run.saturation.cpuUsPerRequest)} µs CPU/req`,
      '',
      '| self, by package | % | inclusive, by package | % | self, by function | % |',
      '|---|---|---|---|---|---|',
      ...summary.selfByFunction.map((f, i) => {
        const p = summary.selfByPackage[i];
        const q = summary.inclusiveByPackage[i];
        return `| ${p?.name ?? ''} | ${p?.percent ?? ''} | ${q?.name ?? ''} | ${q?.percent ?? ''} | ${f.name} | ${f.percent} |`;
      }),
      '',
    );
  }
  const text = report.join('\n');
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'profile.md'), `${text}\n`);
  process.stdout.write(`\n${text}\nbench: profiles and summaries in ${outDir}\n`);
  redis.kill('SIGTERM');
  process.exit(0);
}

// --- Main ----------------------------------------------------------------------------------------------
function commitOf(dir) {
  const git = (...args) => spawnSync('git', ['-C', dir, ...args]).stdout?.toString().trim();
  const head = git('rev-parse', '--short', 'HEAD');
  return head ? `${head}${git('status', '--porcelain', '--', 'app') ? ' (app/ modified)' : ''}` : 'unknown';
}
const results = { startedAt: new Date().toISOString(), settings, machine: machine(), xwingRoot, xwingCommit: commitOf(xwingRoot), variants: {} };
for (const id of settings.variants) results.variants[id] = { name: VARIANTS[id].name, runs: [] };
let failed = false;
if (profiling) await profileAndExit();
let rate = settings.fixedRate;
if (!rate) {
  // One calibration run of Express sets the fixed rate, so that every variant gets the same one.
  log('calibration: variant 2 at saturation');
  const calibration = await runOnce(2, 0, undefined);
  if (calibration.saturation.failures > 0) throw new Error('variant 2 served errors during calibration');
  rate = Math.max(100, Math.round(calibration.saturation.rps / 2 / 100) * 100);
  results.settings.fixedRate = rate;
  results.settings.fixedRateFrom = `half of a variant-2 calibration run (${Math.round(calibration.saturation.rps)} req/s), rounded to 100`;
}

for (let round = 1; round <= settings.rounds; round++) {
  for (const id of settings.variants) {
    log(`round ${round}/${settings.rounds}: variant ${id} (${VARIANTS[id].name})${rate ? `, fixed rate ${rate}/s` : ''}`);
    let run;
    try {
      run = await runOnce(id, round, rate);
    } catch (error) {
      failed = true;
      log(`variant ${id} failed: ${error.message}`);
      results.variants[id].runs.push({ round, error: error.message });
      continue;
    }
    results.variants[id].runs.push(run);
    const bad = run.saturation.failures + (run.fixed?.failures ?? 0);
    if (bad > 0) {
      failed = true;
      log(`variant ${id}: ${bad} failed requests (non-2xx ${run.saturation.non2xx}, errors ${run.saturation.errors}, timeouts ${run.saturation.timeouts})`);
    }
    const logBytes = lastLogBytes.get(`v${id}-r${round}`) ?? 0;
    run.logBytes = logBytes;
    if (![1, 2].includes(id) && logBytes < run.saturation.rps * settings.durationSeconds * 100) {
      failed = true;
      log(`variant ${id}: only ${logBytes} bytes of logs for ${Math.round(run.saturation.rps * settings.durationSeconds)} requests; is it logging?`);
    }
    log(`  ${Math.round(run.saturation.rps)} req/s at saturation${run.fixed ? `; at ${rate}/s p50 ${run.fixed.p50Ms} ms p99 ${run.fixed.p99Ms} ms` : ''}; peak RSS ${run.peakRssMb} MB`);
  }
}

async function coldStarts(cached) {
  const samples = [];
  for (let i = 0; i < settings.coldStarts; i++) {
    try {
      samples.push(await coldStart(i, cached));
    } catch (error) {
      failed = true;
      log(`cold start ${i} (${cached ? 'with' : 'without'} compile cache) failed: ${error.message}`);
    }
  }
  return {
    wallMs: { samples: samples.map((v) => Math.round(v.wallMs)), ...spread(samples.map((v) => v.wallMs)) },
    cpuMs: { samples: samples.map((v) => Math.round(v.cpuMs)), ...spread(samples.map((v) => v.cpuMs)) },
  };
}
results.coldStart = { uncached: await coldStarts(false) };
await coldStart('fill', true).catch((error) => log(`filling the compile cache failed: ${error.message}`));
results.coldStart.cached = await coldStarts(true);
const { cached: coldCached, uncached: coldUncached } = results.coldStart;
results.image = imageSize();
results.finishedAt = new Date().toISOString();
results.loadAverageAtEnd = loadavg().map((v) => Math.round(v * 100) / 100);

const summary = {};
for (const id of settings.variants) {
  const runs = results.variants[id].runs.filter((r) => !r.error);
  summary[id] = {
    rps: spread(runs.map((r) => r.saturation.rps)),
    p50Ms: spread(runs.map((r) => r.fixed?.p50Ms)),
    p99Ms: spread(runs.map((r) => r.fixed?.p99Ms)),
    cpuUs: spread(runs.map((r) => r.fixed?.cpuUsPerRequest)),
    cpuUsSaturated: spread(runs.map((r) => r.saturation.cpuUsPerRequest)),
    rssMb: spread(runs.map((r) => r.peakRssMb)),
    appCpuPercent: spread(runs.map((r) => r.saturation.appCpuShare * 100)),
  };
  results.variants[id].summary = summary[id];
}
const base = summary[2]?.rps?.median;
const ratio = (id) => (base && summary[id]?.rps ? summary[id].rps.median / base : undefined);
for (const id of settings.variants) results.variants[id].summary.ratioToV2 = ratio(id);

const lines = [
  `| # | variant | req/s at saturation, median (min–max) | × v2 | app CPU % at saturation | p50 ms at ${rate}/s | p99 ms at ${rate}/s | CPU µs/req at ${rate}/s | CPU µs/req at saturation | peak RSS MB |`,
  '|---|---|---|---|---|---|---|---|---|---|',
];
for (const id of [...settings.variants].sort((a, b) => a - b)) {
  const s = summary[id];
  lines.push(`| ${id} | ${VARIANTS[id].name} | ${triple(s.rps)} | ${fmt(ratio(id), 2)} | ${fmt(s.appCpuPercent?.median)} | ${triple(s.p50Ms, 2)} | ${triple(s.p99Ms, 2)} | ${triple(s.cpuUs)} | ${triple(s.cpuUsSaturated)} | ${triple(s.rssMb)} |`);
}
const m = results.machine;
lines.push(
  '',
  `${settings.rounds} rounds, a fresh process per round and variant, ${settings.durationSeconds} s per measurement after ${settings.warmupSeconds} s of warm-up, ${settings.connections} connections, no pipelining; generator ${m.generator}, the same for saturation and for the fixed rate (wrk-rate.lua). CPU µs/req and peak RSS are the app process's (/proc utime+stime, VmHWM); app CPU % below ~95 means something other than the app limited throughput.`,
  `xwing ${results.xwingCommit}. Machine: ${m.cpu}, ${m.cpus} CPUs, Linux ${m.kernel}, Node ${m.node}, Redis ${m.redis}; ${m.pinning}; niceness ${m.niceness}; load average at start ${m.loadAverage.join(' ')}, at end ${results.loadAverageAtEnd.join(' ')}.`,
  `xwing runs with the image's runtime settings (Dockerfile ENV): ${Object.entries(imageEnv).map(([k, v]) => `${k}=${v}`).join(' ')}${settings.xwingExtraEnv ? `, plus BENCH_XWING_ENV ${settings.xwingExtraEnv}` : ''}.`,
  `Cold start (spawn → first /readyz 200), median (min–max) of ${settings.coldStarts}: with a V8 compile cache as in the image ${triple(coldCached.wallMs)} ms, ${fmt(coldCached.cpuMs.median)} ms CPU; without one ${triple(coldUncached.wallMs)} ms, ${fmt(coldUncached.cpuMs.median)} ms CPU.`,
  results.image.bytes ? `Image ${results.image.image}: ${results.image.mb} MB.` : `Image: skipped (${results.image.skipped}).`,
);
const v = (id, key) => summary[id]?.[key]?.median;
const goal = (text, ok) => `- ${ok === undefined ? '–' : ok ? 'met' : 'MISSED'}: ${text}`;
const has = (...ids) => ids.every((id) => summary[id]?.rps);
lines.push(
  '',
  'Goals (issue 5):',
  goal(`v3 ≥ 0.5 × v2 throughput (${fmt(ratio(3), 2)})`, has(2, 3) ? ratio(3) >= 0.5 : undefined),
  goal(`v3 ≥ 1.5 × v5 throughput (${fmt(has(3, 5) ? v(3, 'rps') / v(5, 'rps') : undefined, 2)})`, has(3, 5) ? v(3, 'rps') >= 1.5 * v(5, 'rps') : undefined),
  goal(`v3 p99 ≤ 5 ms at ${rate}/s (${fmt(v(3, 'p99Ms'), 2)} ms)`, has(3) ? v(3, 'p99Ms') <= 5 : undefined),
  goal(`v4 within 15 % of v3 (${fmt(has(3, 4) ? v(4, 'rps') / v(3, 'rps') : undefined, 2)})`, has(3, 4) ? Math.abs(v(4, 'rps') / v(3, 'rps') - 1) <= 0.15 : undefined),
  goal(`xwing peak RSS ≤ 150 MB (${fmt(Math.max(v(3, 'rssMb') ?? 0, v(4, 'rssMb') ?? 0))} MB)`, has(3) ? Math.max(v(3, 'rssMb') ?? 0, v(4, 'rssMb') ?? 0) <= 150 : undefined),
  goal(`cold start ≤ 500 ms, as the image starts (${fmt(coldCached.wallMs.median)} ms; ${fmt(coldUncached.wallMs.median)} ms without a compile cache)`, coldCached.wallMs.n ? coldCached.wallMs.median <= 500 : undefined),
);
const table = lines.join('\n');
results.failed = failed;
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, 'results.md'), `${table}\n`);
process.stdout.write(`\n${table}\n\nbench: results in ${outDir}\n`);
redis.kill('SIGTERM');
if (failed) {
  log('FAILED: a variant did not start, served errors or did not log; see above');
  process.exit(1);
}
