// k6 as one process of the run's ProcessGroup: its REST API on loopback tells when setup() is
// over and the load runs; its samples stream into the run folder for the report.
import { join } from 'node:path';
import { ApiClient, REPO_ROOT, StopWaiting, waitFor, type ManagedProcess, type ProcessGroup } from '../harness/index.ts';

/** Tags kept on every streamed sample: enough for the report, small enough to keep the stream cheap. */
const SYSTEM_TAGS = 'status,method,name,scenario,expected_response,error_code,check';
/** k6's execution status once setup() is over (7 running, 8 teardown, 9 ended). */
const RUNNING = 7;

export interface K6Options {
  command: string;
  /** A script under loadtest/ (smoke.js, churn.js). */
  script: string;
  /** The stream is <runDir>/k6-<name>.json.gz; handleSummary writes digest-<name>.json. */
  name: string;
  runDir: string;
  apiPort: number;
  /** Added to this process's environment (BASE_URL, MIN_REPLICAS, ...). */
  env: Record<string, string>;
  /** After this long k6 gets SIGINT (it ends and writes its summary), 30 s later SIGKILL. */
  timeoutMs: number;
}

export interface K6Run {
  readonly process: ManagedProcess;
  /** k6's exit code (99: a threshold failed). */
  readonly finished: Promise<number>;
  /** Until setup() is over and the load runs; rejects if k6 exits first. */
  waitForLoad(timeoutMs: number): Promise<void>;
}

export function startK6(group: ProcessGroup, options: K6Options): K6Run {
  const args = ['run', '--quiet', '--address', `127.0.0.1:${options.apiPort}`, '--system-tags', SYSTEM_TAGS];
  args.push('--out', `json=${join(options.runDir, `k6-${options.name}.json.gz`)}`, join(REPO_ROOT, 'loadtest', options.script));
  const proc = group.spawn(`k6-${options.name}`, options.command, args, {
    env: { ...process.env, RUN_DIR: options.runDir, ...options.env },
  });
  const timer = setTimeout(() => void proc.stop({ signal: 'SIGINT', timeoutMs: 30_000 }), options.timeoutMs);
  const finished = proc.exited.then(({ code }) => {
    clearTimeout(timer);
    return code ?? 1;
  });
  return {
    process: proc,
    finished,
    async waitForLoad(timeoutMs) {
      const api = new ApiClient(`http://127.0.0.1:${options.apiPort}`, { keepAlive: false, timeoutMs: 1000 });
      try {
        await waitFor(
          `k6 ${options.script} past setup()`,
          async () => {
            if (!proc.alive) throw new StopWaiting(`k6 ${options.script} exited before its load started:\n${proc.output()}`);
            const status = (JSON.parse((await api.call('GET', '/v1/status')).body) as { data?: { attributes?: { status?: unknown } } }).data?.attributes?.status;
            return typeof status === 'number' && status >= RUNNING;
          },
          { timeoutMs, intervalMs: 200 },
        );
      } finally {
        api.close();
      }
    },
  };
}
