// `make test-contract`: Schemathesis against the built service (dist/server.js) on a Redis of its
// own, both started through the harness; it fuzzes every operation of the service's own
// /openapi.json with all its default checks and phases. Output and reports go to
// results/<utc>-contract/. Exits with Schemathesis' status.
// Usage: node app/test/contract/run.ts [schemathesis run options...]
import { join } from 'node:path';
import { ApiClient, createRunDir, ProcessGroup, REPO_ROOT, startApp, startRedis } from '../../../harness/index.ts';
import { followLog } from '../../../harness/follow.ts';
import { formatSummary, summarise } from './summary.ts';

const SCHEMATHESIS = join(REPO_ROOT, '.tools', 'venv', 'bin', 'schemathesis');
const CONFIG = join(REPO_ROOT, 'app', 'test', 'contract', 'schemathesis.toml');
/** Bounds the whole run; the example budget keeps it far below. */
const RUN_TIMEOUT_MS = 10 * 60_000;
const USER = { username: 'contract-user', password: 'contract password 1' };

async function main(extraArgs: string[]): Promise<number> {
  const runDir = createRunDir('contract');
  const group = new ProcessGroup(join(runDir, 'state'));
  try {
    const redis = await startRedis(group, { name: 'redis', dir: join(runDir, 'state', 'redis') });
    const app = await startApp(group, { name: 'xwing', entry: 'dist', env: { REDIS_URL: redis.url, LOG_LEVEL: 'error' } });
    const client = new ApiClient(app.url);
    try {
      await client.registerAndLogin(USER.username, USER.password);
    } finally {
      client.close();
    }
    const reports = join(runDir, 'reports');
    // A fixed seed by default: CI runs the same cases every time, so a red run is a change, not
    // luck; SCHEMATHESIS_SEED explores other ones.
    const seed = process.env.SCHEMATHESIS_SEED ?? '20261127';
    const args = ['--config-file', CONFIG, '--no-color', 'run', `${app.url}/openapi.json`, '--seed', seed, '--report', 'junit,ndjson', '--report-dir', reports, ...extraArgs];
    console.log(`contract: schemathesis ${args.join(' ')}`);
    const fuzzer = group.spawn('schemathesis', SCHEMATHESIS, args, {
      env: { ...process.env, XWING_CONTRACT_USERNAME: USER.username, XWING_CONTRACT_PASSWORD: USER.password },
      cwd: runDir,
    });
    const follower = followLog(fuzzer.logPath, process.stdout);
    const timer = setTimeout(() => fuzzer.kill('SIGKILL'), RUN_TIMEOUT_MS);
    const { code, signal } = await fuzzer.exited;
    clearTimeout(timer);
    follower.stop();
    console.log(`contract: schemathesis exited ${signal ?? `with ${code}`}; reports in ${runDir}`);
    if (code !== null && code <= 1) console.log(`contract: ${formatSummary(summarise(reports))}`);
    if (!app.process.alive) {
      console.error(`contract: the service died during the run; ${app.process.logPath}`);
      return 1;
    }
    return code ?? 1;
  } finally {
    await group.stopAll();
  }
}

process.exitCode = await main(process.argv.slice(2));
