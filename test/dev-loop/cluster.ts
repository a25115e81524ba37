// What the dev-loop test asks the cluster: kubectl and helm, each call bounded in time, against
// the kubeconfig in the environment (the local cluster's, set by mk/devloop.mk).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a command to completion within `timeoutMs` and returns its stdout; rejects with its stderr. */
export async function command(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || String(error)}`, { cause: error });
  }
}

export interface ApiPod {
  name: string;
  uid: string;
  image: string;
  restartCount: number;
  ready: boolean;
}

interface PodList {
  items: {
    metadata: { name: string; uid: string; deletionTimestamp?: string };
    spec: { containers: { name: string; image: string }[] };
    status: { containerStatuses?: { name: string; restartCount: number; ready: boolean }[] };
  }[];
}

/** The release's API pods that are not being deleted (the chart's component label `api`). */
export async function apiPods(namespace: string, release: string): Promise<ApiPod[]> {
  const selector = `app.kubernetes.io/instance=${release},app.kubernetes.io/component=api`;
  const list = JSON.parse(await command('kubectl', ['-n', namespace, 'get', 'pods', '-l', selector, '-o', 'json'])) as PodList;
  return list.items
    .filter((pod) => pod.metadata.deletionTimestamp === undefined)
    .map((pod) => {
      const status = pod.status.containerStatuses?.find((c) => c.name === pod.spec.containers[0]?.name);
      return {
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        image: pod.spec.containers[0]?.image ?? '',
        restartCount: status?.restartCount ?? 0,
        ready: status?.ready ?? false,
      };
    });
}

/** The one API pod of a dev deployment (replicaCount 1, no HPA); throws when there is not exactly one. */
export async function onlyApiPod(namespace: string, release: string): Promise<ApiPod> {
  const pods = await apiPods(namespace, release);
  if (pods.length !== 1 || pods[0] === undefined) throw new Error(`expected one API pod, found ${pods.map((p) => p.name).join(', ') || 'none'}`);
  return pods[0];
}

/** Names of the Helm releases in `namespace`, whatever their state. */
export async function helmReleases(namespace: string): Promise<string[]> {
  const states = ['--deployed', '--failed', '--pending', '--superseded', '--uninstalling'];
  const list = JSON.parse(await command('helm', ['list', '-n', namespace, ...states, '-o', 'json'])) as { name: string }[];
  return list.map((release) => release.name);
}

export async function namespaceExists(namespace: string): Promise<boolean> {
  const out = await command('kubectl', ['get', 'namespace', namespace, '--ignore-not-found', '-o', 'name']);
  return out.trim() !== '';
}

/** Objects of the release still in the namespace (workloads, Services, pods), as kind/name. */
export async function releaseObjects(namespace: string, release: string): Promise<string[]> {
  const out = await command('kubectl', ['-n', namespace, 'get', 'deploy,sts,svc,pods', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
  return out.split('\n').filter((line) => line !== '');
}

export async function currentContext(): Promise<string> {
  return (await command('kubectl', ['config', 'current-context'])).trim();
}
