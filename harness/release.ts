// xwing's Helm release on a cluster, through kubectl bound to its namespace: found by the chart's
// labels, never by object names, so the same tools work on the local cluster, kind or minikube.
// Every call is bounded (kubectl's own request timeout, and a deadline on the process).
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { command, type CommandOptions } from './command.ts';
import { REPO_ROOT } from './paths.ts';

export interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

export interface Pod {
  metadata: { name: string; uid?: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string; image?: string }[] };
  status?: { phase?: string; podIP?: string; conditions?: Condition[]; containerStatuses?: { name?: string; restartCount: number; ready?: boolean }[] };
}

export interface ReleaseOptions {
  namespace?: string;
  release?: string;
  kubectl?: string;
  /** kubectl's --context; the kubeconfig's current one when omitted. */
  context?: string;
}

/** A pod that is not being deleted and whose Ready condition is True. */
export function podReady(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp === undefined && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class Release {
  readonly namespace: string;
  readonly name: string;
  /** The release's objects, the API's, and Redis's, by the chart's labels. */
  readonly selector: string;
  readonly apiSelector: string;
  readonly redisSelector: string;
  readonly #kubectl: string;
  readonly #context: string | undefined;

  constructor({ namespace = 'xwing', release = 'xwing', kubectl = 'kubectl', context }: ReleaseOptions = {}) {
    this.namespace = namespace;
    this.name = release;
    this.selector = `app.kubernetes.io/instance=${release}`;
    this.apiSelector = `${this.selector},app.kubernetes.io/component=api`;
    this.redisSelector = `${this.selector},app.kubernetes.io/component=redis`;
    this.#kubectl = kubectl;
    this.#context = context;
  }

  /**
   * XWING_NAMESPACE, XWING_RELEASE and KUBECTL (defaults xwing, xwing, kubectl). Without KUBECONFIG the
   * local cluster's (.run/cluster/kubeconfig, written by make cluster-up) when it exists, set in `env`
   * so that every command the run starts sees the same cluster.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Release {
    const local = join(REPO_ROOT, '.run', 'cluster', 'kubeconfig');
    if (!env.KUBECONFIG && existsSync(local)) env.KUBECONFIG = local;
    return new Release({ namespace: env.XWING_NAMESPACE || 'xwing', release: env.XWING_RELEASE || 'xwing', kubectl: env.KUBECTL || 'kubectl' });
  }

  /** kubectl in the release's namespace; its stdout. */
  kubectl(args: readonly string[], timeoutMs = 30_000, options?: CommandOptions): Promise<string> {
    const context = this.#context === undefined ? [] : ['--context', this.#context];
    return command(this.#kubectl, ['--namespace', this.namespace, ...context, '--request-timeout=10s', ...args], timeoutMs, options);
  }

  async list<T = Pod>(kind: string, selector: string): Promise<T[]> {
    return (JSON.parse(await this.kubectl(['get', kind, '-l', selector, '-o', 'json'])) as { items: T[] }).items;
  }

  /** Pods that run and are not being deleted, so that each deletion removes one that serves. */
  async runningPods(selector: string): Promise<string[]> {
    return (await this.list('pods', selector))
      .filter((pod) => pod.status?.phase === 'Running' && pod.metadata.deletionTimestamp === undefined)
      .map((pod) => pod.metadata.name);
  }

  /** Deletes one running pod of `selector` at random without waiting for it to go; undefined when none runs. */
  async deleteRandomPod(selector: string): Promise<{ pod: string; running: number } | undefined> {
    const pods = await this.runningPods(selector);
    if (pods.length === 0) return undefined;
    const pod = pods[randomInt(pods.length)] as string;
    await this.kubectl(['delete', 'pod', pod, '--wait=false']);
    return { pod, running: pods.length };
  }

  /** The API Deployment's name. */
  async deployment(): Promise<string> {
    const name = (await this.list('deployment', this.apiSelector))[0]?.metadata.name;
    if (name === undefined) throw new Error(`no Deployment labelled ${this.apiSelector} in namespace ${this.namespace}`);
    return name;
  }

  /** `kubectl rollout restart` of the API Deployment, and its rollout awaited. */
  async rolloutRestart(timeoutS: number): Promise<void> {
    const deployment = `deployment/${await this.deployment()}`;
    await this.kubectl(['rollout', 'restart', deployment]);
    await this.kubectl(['rollout', 'status', deployment, `--timeout=${timeoutS}s`], (timeoutS + 30) * 1000);
  }

  /** True when Redis runs with replication: its pods carry a Sentinel container. */
  async replicated(): Promise<boolean> {
    const sets = await this.list<{ spec?: { template?: Pod } }>('statefulset', this.redisSelector);
    return sets[0]?.spec?.template?.spec?.containers?.some((c) => c.name === 'sentinel') ?? false;
  }

  /** The pod that the Sentinel in Redis pod `pod` names as the primary; undefined when it does not answer. */
  async sentinelPrimary(pod: string): Promise<string | undefined> {
    // The sentinel container's environment carries the port, the monitored name and the password.
    const script = 'redis-cli -p "$SENTINEL_PORT" SENTINEL get-master-addr-by-name "$SENTINEL_MASTER_NAME"';
    const out = await this.kubectl(['exec', pod, '-c', 'sentinel', '--', 'sh', '-c', script]).catch(() => '');
    return out.split('\n')[0]?.split('.')[0] || undefined;
  }

  /**
   * The API Service's NodePort on the node's InternalIP: traffic enters the way real traffic does and
   * kube-proxy picks an endpoint per connection (port-forward would pin everything to one pod).
   */
  async nodePortUrl(): Promise<string> {
    type Service = { spec: { type: string; ports: { name?: string; nodePort?: number }[] } };
    const service = (await this.list<Service>('svc', this.apiSelector))[0];
    if (service === undefined) throw new Error(`no Service labelled ${this.apiSelector} in namespace ${this.namespace}`);
    if (service.spec.type !== 'NodePort' && service.spec.type !== 'LoadBalancer') {
      throw new Error(`the API Service is ${service.spec.type}; install the chart with --set service.type=NodePort, or set BASE_URL`);
    }
    const port = service.spec.ports.find((p) => p.name === 'http')?.nodePort;
    const nodeIp = (await this.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}'])).trim();
    if (port === undefined || nodeIp === '') throw new Error("could not read the NodePort or the node's InternalIP");
    return `http://${nodeIp}:${port}`;
  }
}
