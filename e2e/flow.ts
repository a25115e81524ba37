// A chain of e2e steps against one release in a namespace of its own. Each step's outcome goes to the
// run's event log (one `step` event: name, mode, status, seconds, detail) and its output to
// <step>.log; after a failure the chain's remaining steps are recorded as skipped, since each builds
// on the state the previous ones left. With the waits on the release that the steps share.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { command, podReady, waitFor, type EventLog, type Pod, type Release } from '../harness/index.ts';

export interface StepResult {
  name: string;
  mode: string;
  status: 'passed' | 'failed' | 'skipped';
  seconds: number;
  detail: string;
}

export class Flow {
  failed = false;
  readonly mode: string;
  readonly release: Release;
  readonly out: string;
  readonly #events: EventLog;
  readonly #steps: StepResult[];
  #stepLog: string | undefined;

  /** `steps` and `events` are shared by the flows of a run. */
  constructor(mode: string, release: Release, out: string, events: EventLog, steps: StepResult[]) {
    this.mode = mode;
    this.release = release;
    this.out = out;
    this.#events = events;
    this.#steps = steps;
  }

  get namespace(): string {
    return this.release.namespace;
  }

  log(message: string): void {
    this.#echo(`[e2e ${new Date().toISOString().slice(11, 19)} ${this.mode}] ${message}\n`);
  }

  async step(name: string, body: () => Promise<void>): Promise<void> {
    if (this.failed) return this.#record({ name, mode: this.mode, status: 'skipped', seconds: 0, detail: 'an earlier step failed' });
    this.#stepLog = join(this.out, `${name}.log`);
    appendFileSync(this.#stepLog, '');
    this.log(`== ${name}`);
    const started = performance.now();
    let status: StepResult['status'] = 'passed';
    try {
      await body();
    } catch (error) {
      status = 'failed';
      this.failed = true;
      const { message, cause } = error as Error;
      this.log(`FAILED: ${message}${cause instanceof Error ? ` (last: ${cause.message})` : ''}`);
    }
    const seconds = Math.round((performance.now() - started) / 1000);
    const detail = readFileSync(this.#stepLog, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
    this.log(`== ${name}: ${status} in ${seconds}s`);
    this.#stepLog = undefined;
    this.#record({ name, mode: this.mode, status, seconds, detail });
  }

  /** A long command (helm, make) whose output goes to the step's log and stderr as it comes. */
  run(cmd: string, args: readonly string[], timeoutS: number): Promise<string> {
    return command(cmd, args, timeoutS * 1000, { onOutput: (text) => this.#echo(text) });
  }

  kubectl(args: readonly string[]): Promise<string> {
    return this.release.kubectl(args);
  }

  helm(args: readonly string[], timeoutS: number): Promise<string> {
    return this.run('helm', [...args, '--namespace', this.namespace], timeoutS);
  }

  /**
   * Polls `condition` every 2 s for at most `timeoutS`; when it never holds, logs what `kubectl
   * get <diagnose>` shows and fails.
   */
  async poll(what: string, condition: () => Promise<boolean>, timeoutS: number, diagnose?: string): Promise<void> {
    try {
      await waitFor(what, condition, { timeoutMs: timeoutS * 1000, intervalMs: 2000 });
    } catch (error) {
      if (diagnose) this.log(await this.kubectl(['get', ...diagnose.split(' ')]).catch(String));
      throw error;
    }
  }

  pods(selector: string): Promise<Pod[]> {
    return this.release.list('pods', selector);
  }

  async apiPods(): Promise<string[]> {
    return (await this.pods(this.release.apiSelector)).map((pod) => pod.metadata.name);
  }

  /** Waits until the API pods that are not going away are all Ready. */
  apiReady(): Promise<void> {
    const ready = async () => {
      const pods = (await this.pods(this.release.apiSelector)).filter((pod) => pod.metadata.deletionTimestamp === undefined);
      return pods.length > 0 && pods.every(podReady);
    };
    return this.poll('every API pod Ready', ready, 120, 'pods -o wide');
  }

  /** Waits until the StatefulSet's pod `name`, deleted while its UID was `uid`, is back and Ready. */
  async podBack(name: string, uid: string | undefined): Promise<void> {
    const back = async () => {
      const pod = (await this.pods(this.release.redisSelector)).find((p) => p.metadata.name === name);
      return pod !== undefined && pod.metadata.uid !== uid && podReady(pod);
    };
    await this.poll(`${name} back and Ready`, back, 180, 'pods -o wide');
  }

  /** The Service's ready endpoints: the API pods that run, exactly. */
  async endpointsMatch(): Promise<void> {
    const service = await this.release.deployment();
    const matches = async () => {
      const running = (await this.pods(this.release.apiSelector)).filter((pod) => pod.status?.phase === 'Running');
      const ready = await this.readyEndpoints(service);
      const ips = running.map((pod) => pod.status?.podIP).sort();
      if (ips.length === 0 || ips.join() !== ready.sort().join()) return false;
      this.log(`Service ${service} endpoints: ${ready.join(' ')}`);
      return true;
    };
    await this.poll('the Service has the running API pods as endpoints', matches, 60, 'endpointslices -o wide');
  }

  async readyEndpoints(service: string): Promise<string[]> {
    type Slice = { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] };
    const slices = await this.release.list<Slice>('endpointslices', `kubernetes.io/service-name=${service}`);
    return slices.flatMap((slice) => (slice.endpoints ?? []).filter((e) => e.conditions?.ready).map((e) => e.addresses[0] ?? ''));
  }

  /** Waits until the PodDisruptionBudget of `selector` allows exactly `want` disruptions (or at least one, without `want`). */
  async pdbAllows(selector: string, want?: number): Promise<void> {
    const allows = async () => {
      type Pdb = { status?: { disruptionsAllowed?: number } };
      const allowed = (await this.release.list<Pdb>('pdb', selector))[0]?.status?.disruptionsAllowed ?? 0;
      if (want === undefined ? allowed < 1 : allowed !== want) return false;
      this.log(`PDB (${selector}) disruptionsAllowed: ${allowed}`);
      return true;
    };
    await this.poll(`the PDB of ${selector} allows a disruption`, allows, 60, 'pdb -o yaml');
  }

  #echo(text: string): void {
    process.stderr.write(text);
    if (this.#stepLog) appendFileSync(this.#stepLog, text);
  }

  #record(step: StepResult): void {
    this.#steps.push(step);
    this.#events.event('step', { ...step });
  }
}
