// What the dev-loop test asks the cluster: kubectl and helm, each call bounded in time, against
// the kubeconfig in the environment (the local cluster's, set by mk/devloop.mk).
import { command } from '../../harness/command.ts';
import { Release } from '../../harness/release.ts';

export interface ApiPod {
  name: string;
  uid: string;
  image: string;
  restartCount: number;
  ready: boolean;
}

/** The release's API pods that are not being deleted. */
export async function apiPods(namespace: string, release: string): Promise<ApiPod[]> {
  const target = new Release({ namespace, release });
  return (await target.list('pods', target.apiSelector))
    .filter((pod) => pod.metadata.deletionTimestamp === undefined)
    .map((pod) => {
      const container = pod.spec?.containers?.[0];
      const status = pod.status?.containerStatuses?.find((c) => c.name === container?.name);
      return {
        name: pod.metadata.name,
        uid: pod.metadata.uid ?? '',
        image: container?.image ?? '',
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
  const target = new Release({ namespace, release });
  const out = await target.kubectl(['get', 'deploy,sts,svc,pods', '-l', target.selector, '-o', 'name']);
  return out.split('\n').filter((line) => line !== '');
}

export async function currentContext(): Promise<string> {
  return (await command('kubectl', ['config', 'current-context'])).trim();
}
