// `make load` (scale-out) and `make churn`: a k6 run against the cluster through the API Service's
// NodePort, the sampler recording the HPA and pods, for churn the chaos loop; then the report. The
// release comes from XWING_NAMESPACE, XWING_RELEASE and KUBECONFIG (harness/release.ts), the knobs
// from config.ts. Exit status: k6's (99: a threshold failed), else 1 when the run did not show what
// it is for (churn: the chaos plan did not happen; scale-out: the HPA never reached
// SCALE_OUT_MIN_PEAK ready pods), else the report's.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, log, Release, sleep } from '../../harness/index.ts';
import { startK6 } from '../k6.ts';
import { loadRun, missingEvents, type LoadRun } from '../verdict.ts';
import { runChaos } from './chaos.ts';
import { clusterConfig, type ClusterConfig } from './config.ts';
import { peakReady, sampleCluster } from './sampler.ts';

/** The API limit is per client and all of k6 is one client: a run it would cap is refused before it starts. */
async function checkRateLimit(baseUrl: string, env: NodeJS.ProcessEnv): Promise<void> {
  const client = new ApiClient(baseUrl, { keepAlive: false, timeoutMs: 5000 });
  try {
    const policy = String((await client.call('GET', '/work?ms=1')).headers['ratelimit-policy'] ?? '');
    const match = /^(\d+);w=(\d+)/.exec(policy);
    if (!match) return;
    const perS = Number(match[1]) / Number(match[2]);
    const want = Number(env.PEAK_RATE || env.RATE || 60) * 2;
    if (perS < want) {
      throw new Error(`the API rate limit allows ${perS} requests/s per client, the run needs ~${want}: install with -f loadtest/cluster/values-load.yaml (config.RATE_LIMIT_MAX)`);
    }
  } finally {
    client.close();
  }
}

/** What the cluster looked like, for the run folder; a failure is written instead. */
async function snapshot(release: Release, file: string, what: string[]): Promise<void> {
  writeFileSync(file, await release.kubectl(what).catch((error: unknown) => String(error)));
}

async function load(release: Release, config: ClusterConfig, { group, runDir, note, seen }: LoadRun): Promise<{ k6: number; problems: string[] }> {
  const baseUrl = config.baseUrl ?? (await release.nodePortUrl());
  const replicated = await release.replicated();
  await checkRateLimit(baseUrl, process.env);
  const label = `release ${release.name} in namespace ${release.namespace} (Redis ${replicated ? 'replication with Sentinel' : 'standalone'}) via NodePort ${baseUrl}`;
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({ kind: 'cluster', label }));
  log(`load through ${baseUrl}`);
  const objects = ['get', 'hpa,deploy,statefulset,pods', '-l', release.selector, '-o', 'wide'];
  await snapshot(release, join(runDir, 'cluster-before.txt'), objects);

  const k6 = startK6(group, {
    command: config.k6, script: `${config.script}.js`, name: config.script, runDir, apiPort: config.k6ApiPort,
    env: { BASE_URL: baseUrl, ...config.k6Env }, timeoutMs: config.k6TimeoutMs,
  });
  let running = true;
  // The sampler starts with k6 so the chart shows the replicas before the load too.
  const sampler = sampleCluster(release, join(runDir, 'samples.jsonl'), () => running, { intervalMs: config.sampleIntervalMs, maxMs: config.samplerMaxMs });
  await k6.waitForLoad(600_000);
  const loadStart = Date.now();
  note('load-start', 'k6');
  const chaos = config.script === 'churn'
    ? runChaos(release, config, () => running, note).then(() => undefined, (error: unknown) => `the chaos loop failed: ${(error as Error).message}`)
    : Promise.resolve(undefined);
  const code = await k6.finished;
  running = false;
  note('load-end', 'k6', `exit ${code}`);
  process.stdout.write(k6.process.output());

  const problems: string[] = [];
  if (config.script === 'churn') {
    const chaosProblem = await Promise.race([chaos, sleep(240_000).then(() => 'the chaos loop was still busy 240 s after k6 ended')]);
    if (chaosProblem) problems.push(chaosProblem);
    problems.push(...missingEvents(seen, ['pod-delete', 'rollout-restart', 'redis-delete', ...(replicated ? ['redis-failover'] : [])]));
  }
  const samples = await sampler;
  if (config.script === 'scale-out') {
    const peak = peakReady(samples, loadStart);
    log(`peak ready API pods: ${peak} (want >= ${config.scaleOutMinPeak})`);
    if (peak < config.scaleOutMinPeak) problems.push('the HPA did not scale out far enough');
  }
  await snapshot(release, join(runDir, 'cluster-after.txt'), objects);
  await snapshot(release, join(runDir, 'cluster-events.txt'), ['get', 'events', '--sort-by=.lastTimestamp']);
  return { k6: code, problems };
}

async function main(): Promise<number> {
  const config = clusterConfig(process.argv[2], process.env);
  const release = Release.fromEnv();
  if ((await release.list('deploy', release.apiSelector).catch(() => [])).length === 0) {
    log(`no xwing release '${release.name}' in namespace '${release.namespace}' (KUBECONFIG=${process.env.KUBECONFIG ?? 'unset'})`);
    return 1;
  }
  return loadRun(config.stateDir, `cluster-${config.script}`, (run) => load(release, config, run));
}

process.exit(await main());
