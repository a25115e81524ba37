// The standalone flow's steps (the chart's defaults: one Redis pod): install and helm test, every
// chart variant as a server-side dry run, live assertions, churn (every API pod, the Redis pod, a
// rollout under load), upgrade and uninstall.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { command, REPO_ROOT, sleep } from '../harness/index.ts';
import { client, clientHolds, deleteClientPod, redisSecretRef, startClientPod } from './client-pod.ts';
import type { Flow } from './flow.ts';
import type { Settings } from './settings.ts';

/** A fresh namespace that enforces the restricted Pod Security Standard. */
async function createNamespace(namespace: string): Promise<void> {
  await command('kubectl', ['create', 'namespace', namespace]);
  const levels = ['enforce', 'warn', 'audit'].map((mode) => `pod-security.kubernetes.io/${mode}=restricted`);
  await command('kubectl', ['label', 'namespace', namespace, ...levels]);
}

export async function install(flow: Flow, s: Settings, values: readonly string[] = []): Promise<void> {
  await createNamespace(flow.namespace);
  const image = ['--set', `image.repository=${s.imageName}`, '--set', `image.tag=${s.imageTag}`];
  await flow.helm(['install', flow.release.name, s.chart, '--wait', '--timeout', '6m', ...image, ...values], 420);
  await flow.helm(['test', flow.release.name, '--logs', '--timeout', '3m'], 200);
}

/**
 * Every values variant of the chart tests (test/chart/chart_test.py), applied as a server-side dry run
 * of a fresh install (a release name of its own: a variant may change fields of the installed release
 * that Kubernetes keeps immutable, such as a StatefulSet's podManagementPolicy); a variant that needs
 * an API this cluster lacks (e.g. ServiceMonitor) is reported, not applied. A variant may place an
 * object in another namespace (the dashboard next to Grafana): that namespace is created for the step
 * and removed after it.
 */
async function dryRun(flow: Flow, s: Settings): Promise<void> {
  const dir = join(s.out, 'variants');
  mkdirSync(dir, { recursive: true });
  const script = 'import json, sys; sys.path.insert(0, sys.argv[1]); from chart_test import VARIANTS; print(json.dumps([v[:3] for v in VARIANTS]))';
  const variants = JSON.parse(await command('python3', ['-c', script, join(REPO_ROOT, 'test', 'chart')])) as [string, unknown, string[]][];
  const served = new Set((await command('kubectl', ['api-versions'])).split('\n'));
  const created = new Set<string>();
  const failed: string[] = [];
  try {
    for (const [name, values, apis] of variants) {
      const missing = apis.filter((api) => !served.has(api));
      if (missing.length > 0) {
        flow.log(`${name}: skipped, the cluster does not serve ${missing.join(', ')}`);
        continue;
      }
      writeFileSync(join(dir, `${name}.values.json`), JSON.stringify(values));
      // A variant that does not render fails like one the API server refuses; the others still run.
      let out: string;
      try {
        const rendered = await command('helm', [
          'template', `${flow.release.name}-dry`, s.chart, '--namespace', flow.namespace, '-f', join(dir, `${name}.values.json`),
          ...apis.flatMap((api) => ['--api-versions', api]), '--set', `image.repository=${s.imageName}`, '--set', `image.tag=${s.imageTag}`,
        ]);
        writeFileSync(join(dir, `${name}.yaml`), rendered);
        for (const [, ns] of rendered.matchAll(/^ {2}namespace: (\S+)$/gm)) {
          if (ns === undefined || ns === flow.namespace || created.has(ns)) continue;
          if (await command('kubectl', ['create', 'namespace', ns]).then(() => true, () => false)) created.add(ns);
        }
        // Every template names its namespace, so no --namespace: objects go where the chart puts them.
        const args = ['apply', '--server-side', '--force-conflicts', '--field-manager=xwing-e2e', '--dry-run=server', '-f', join(dir, `${name}.yaml`)];
        out = await command('kubectl', args);
      } catch (error) {
        out = `FAILED ${(error as Error).message}`;
      }
      writeFileSync(join(dir, `${name}.out`), out);
      if (out.startsWith('FAILED') || out.includes('would violate PodSecurity')) {
        flow.log(`${name}: ${out}`);
        failed.push(name);
      } else {
        flow.log(`${name}: ${out.split('\n').filter((line) => line.includes('serverside-applied')).length} objects accepted`);
      }
    }
  } finally {
    if (created.size > 0) await command('kubectl', ['delete', 'namespace', ...created, '--wait=false']);
  }
  if (failed.length > 0) throw new Error(`variants refused: ${failed.join(', ')}`);
}

async function assertions(flow: Flow): Promise<void> {
  const { release } = flow;
  await flow.apiReady();
  type Pvc = { metadata: { name: string }; status: { phase: string } };
  const pvcs = await release.list<Pvc>('pvc', release.redisSelector);
  flow.log(`Redis PVC: ${pvcs.map((p) => `${p.metadata.name}=${p.status.phase}`).join(' ')}`);
  if (!pvcs.some((p) => p.status.phase === 'Bound')) throw new Error('no Bound Redis PVC');
  type Hpa = { status: { currentMetrics?: { type: string; resource?: { current: { averageUtilization?: number } } }[] } };
  const hpaCpu = async () => {
    const metrics = (await release.list<Hpa>('hpa', release.selector))[0]?.status.currentMetrics ?? [];
    const cpu = metrics.find((m) => m.type === 'Resource')?.resource?.current.averageUtilization;
    if (cpu !== undefined) flow.log(`HPA current CPU: ${cpu}%`);
    return cpu !== undefined;
  };
  await flow.poll('the HPA reports a CPU value', hpaCpu, 240, 'hpa -o yaml');
  await flow.pdbAllows(release.apiSelector);
  await flow.endpointsMatch();
}

/** Runs `replace` (which replaces every API pod), then waits until the API Deployment has rolled out and none of the pods from before is left. */
async function rolledOut(flow: Flow, replace: () => Promise<unknown>, timeoutS = 180): Promise<void> {
  const old = await flow.apiPods();
  await replace();
  type Deployment = { metadata: { generation: number }; spec: { replicas: number }; status: Record<string, number | undefined> };
  const done = async () => {
    const [deploy] = await flow.release.list<Deployment>('deployment', flow.release.apiSelector);
    const st = deploy?.status ?? {};
    const settled = deploy !== undefined && (st.observedGeneration ?? 0) >= deploy.metadata.generation &&
      [st.replicas, st.updatedReplicas, st.availableReplicas].every((n) => n === deploy.spec.replicas);
    const now = await flow.apiPods();
    return settled && now.length > 0 && !now.some((pod) => old.includes(pod));
  };
  await flow.poll('the API Deployment rolled out', done, timeoutS, 'pods -o wide');
}

async function churn(flow: Flow, s: Settings): Promise<void> {
  const { release } = flow;
  await startClientPod(flow, s.image);
  await client(flow, ['login']);
  await client(flow, ['session']);

  flow.log('deleting every API pod');
  await rolledOut(flow, () => flow.kubectl(['delete', 'pods', '-l', release.apiSelector, '--wait=false']));
  await flow.apiReady();
  await client(flow, ['session']);
  flow.log('session valid after all API pods were replaced');

  flow.log('deleting the Redis pod');
  const [redis] = await flow.pods(release.redisSelector);
  if (redis === undefined) throw new Error('no Redis pod');
  await flow.kubectl(['delete', 'pod', redis.metadata.name, '--wait=false']);
  await flow.podBack(redis.metadata.name, redis.metadata.uid);
  await flow.apiReady();
  await clientHolds(flow, 'the session valid again', ['session'], 60);
  flow.log('session valid after Redis restarted (append-only file on the PVC)');

  flow.log(`rollout restart under ${s.loadRps} req/s`);
  await client(flow, ['unstop', 'load']);
  // The load's summary is its stdout whether it passed or not.
  const load = client(flow, ['load', s.loadRps, 300], 330).then(
    (stdout) => ({ ok: true, stdout }),
    (error: unknown) => {
      const { message, cause } = error as Error & { cause?: { stdout?: string } };
      return { ok: false, stdout: cause?.stdout ?? message };
    },
  );
  await sleep(5000);
  await rolledOut(flow, () => release.rolloutRestart(240), 60);
  // Requests run against the new pods for a while, then the load stops.
  await sleep(10_000);
  await client(flow, ['stop', 'load']);
  const result = await load;
  writeFileSync(join(s.out, 'load.json'), result.stdout);
  flow.log(`load during rollout: ${result.stdout.trim()}`);
  if (!result.ok) throw new Error('requests failed during the rollout restart');
}

async function redisPasswordDigest(flow: Flow): Promise<string> {
  const ref = await redisSecretRef(flow);
  if (ref === undefined) throw new Error('the Redis StatefulSet reads no password Secret');
  const secret = JSON.parse(await flow.kubectl(['get', 'secret', ref.name, '-o', 'json'])) as { data: Record<string, string> };
  return createHash('sha256').update(secret.data[ref.key] ?? '').digest('hex');
}

async function upgrade(flow: Flow, s: Settings): Promise<void> {
  const before = await redisPasswordDigest(flow);
  await rolledOut(flow, () => flow.helm(['upgrade', flow.release.name, s.chart, '--reuse-values', '--set', 'config.LOG_LEVEL=debug', '--wait', '--timeout', '5m'], 330));
  flow.log(`API pods rolled: ${(await flow.apiPods()).join(' ')}`);
  const after = await redisPasswordDigest(flow);
  if (before !== after) throw new Error('the Redis password changed on upgrade');
  flow.log(`Redis password unchanged (sha256 ${after.slice(0, 12)}...)`);
  const level = await flow.kubectl(['get', 'configmap', await flow.release.deployment(), '-o', 'jsonpath={.data.LOG_LEVEL}']);
  if (level !== 'debug') throw new Error(`LOG_LEVEL in the ConfigMap is ${level}, not debug`);
  await clientHolds(flow, 'the session from before the upgrade valid', ['session'], 60);
  flow.log('session from before the upgrade still valid');
}

async function uninstall(flow: Flow): Promise<void> {
  const { release } = flow;
  await deleteClientPod(flow);
  writeFileSync(join(flow.out, 'uninstall.txt'), await flow.helm(['uninstall', release.name, '--wait', '--timeout', '3m'], 200));
  const objects = () => flow.kubectl(['get', 'deploy,statefulset,replicaset,service,hpa,pdb,configmap,pods', '-l', release.selector, '-o', 'name']);
  // Pods go after their owners, each within its termination grace period.
  await flow.poll('the release gone', async () => (await objects()).trim() === '', 120).catch(async (error: unknown) => {
    flow.log(`left behind by uninstall: ${(await objects()).replace(/\n/g, ' ')}`);
    throw error;
  });
  flow.log(`removed: workloads, Services, HPA, PDB, ConfigMaps and pods of release ${release.name}`);
  flow.log(`kept after uninstall: ${(await flow.kubectl(['get', 'pvc,secret', '-l', release.selector, '-o', 'name'])).replace(/\n/g, ' ')}`);
}

export async function standaloneFlow(flow: Flow, s: Settings): Promise<void> {
  await flow.step('install', () => install(flow, s));
  await flow.step('dry-run', () => dryRun(flow, s));
  await flow.step('assertions', () => assertions(flow));
  await flow.step('churn', () => churn(flow, s));
  await flow.step('upgrade', () => upgrade(flow, s));
  await flow.step('uninstall', () => uninstall(flow));
}
