// Fleet churn without Kubernetes (`make fleet-churn`, `make test-fleet`): FLEET_APPS app processes
// (node dist/server.js) behind nginx on 127.0.0.1, a Redis (redis.ts), k6 `churn` through nginx and
// the bounded chaos loop (chaos.ts). Every process, nginx and k6 included, belongs to one
// ProcessGroup in .run/fleet, so none outlives the run, even one that crashed. Knobs: config.ts.
// The run folder (results/<utc>-fleet-churn/) is what loadtest/report reads; its report ends the run.
// Exit status: k6's (99 when a threshold failed), else 1 when the chaos plan did not happen or the
// run failed, else the report's.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, sleep } from '../../harness/index.ts';
import { startK6 } from '../k6.ts';
import { loadRun, missingEvents, type LoadRun } from '../verdict.ts';
import { runChaos, sample } from './chaos.ts';
import { fleetConfig, type FleetConfig } from './config.ts';
import { Fleet } from './fleet.ts';
import { startNginx } from './nginx.ts';
import { startFleetRedis } from './redis.ts';

/** The fleet under load and chaos; resolves with k6's exit code and what went wrong besides. */
async function churn(config: FleetConfig, { group, runDir, note, seen }: LoadRun): Promise<{ k6: number; problems: string[] }> {
  const redis = await startFleetRedis(group, config);
  const fleet = new Fleet(group, config, redis.env, note);
  await fleet.startAll();
  const nginx = await startNginx(group, { command: config.nginx, port: config.lbPort, upstreams: fleet.ports, dir: join(config.stateDir, 'nginx') });
  const label = `${config.apps} app processes behind nginx, ${redis.label}`;
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({ kind: 'fleet', label }));
  log(`fleet up at ${nginx.url}: ${label}`);

  const k6 = (script: string, name: string, env: Record<string, string>, timeoutMs: number) =>
    startK6(group, { command: config.k6, script, name, runDir, apiPort: config.k6ApiPort, env: { BASE_URL: nginx.url, ...env }, timeoutMs });
  if (config.smoke) {
    const smoke = k6('smoke.js', 'smoke', { METRICS_URL: `http://127.0.0.1:${config.metricsPortBase}`, MIN_REPLICAS: '1' }, 120_000);
    const code = await smoke.finished;
    process.stdout.write(smoke.process.output());
    if (code !== 0) throw new Error(`smoke failed (k6 exit ${code}); not starting churn`);
  }
  // Bounded even if k6 hangs: its own duration plus setup and grace.
  const load = k6('churn.js', 'churn', { MIN_REPLICAS: process.env.MIN_REPLICAS || String(config.apps), DURATION: config.duration }, config.durationMs + 300_000);
  await load.waitForLoad(240_000);
  note('load-start', 'k6');
  let running = true;
  const loadRunning = () => running;
  const sampler = sample(fleet, config, join(runDir, 'samples.jsonl'), loadRunning);
  const chaos = runChaos(fleet, redis, config, loadRunning, note).then(
    () => undefined,
    (error: unknown) => `the chaos loop failed: ${(error as Error).message}`,
  );
  const code = await load.finished;
  running = false;
  note('load-end', 'k6', `exit ${code}`);
  process.stdout.write(load.process.output());

  const problems: string[] = [];
  const chaosProblem = await Promise.race([chaos, sleep(60_000).then(() => 'the chaos loop was still busy 60 s after k6 ended')]);
  if (chaosProblem) problems.push(chaosProblem);
  await sampler;
  if (fleet.stuck > 0) problems.push(`${fleet.stuck} process(es) ignored SIGTERM (graceful shutdown is broken)`);
  problems.push(...missingEvents(seen, ['sigterm', 'sigkill', redis.disruptedEvent]));
  // A graceful stop (SIGQUIT) flushes the access log's buffer; the report counts nginx's retries in it.
  await nginx.process.stop({ signal: 'SIGQUIT' });
  copyFileSync(nginx.accessLog, join(runDir, 'nginx-access.log'));
  await fleet.stop();
  return { k6: code, problems };
}

const config = fleetConfig(process.env);
process.exit(await loadRun(config.stateDir, 'fleet-churn', (run) => churn(config, run)));
