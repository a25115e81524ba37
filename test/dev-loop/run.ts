// make test-dev-loop: a real `skaffold dev` on the local cluster (make cluster-up), then `skaffold
// run` + `skaffold delete` once. skaffold runs in a copy of the working tree (work-tree.ts), so
// the edits below never touch the clone. Numbers go to stdout and results/<utc>-dev-loop/.
//   1. the dev image builds, the chart deploys, the port-forward answers /readyz 200
//   2. an edit of app/src is synced into the pod (no image build, same pod, no container restart)
//      and served: the time from the write to the first response showing it is printed
//   3. an edit that breaks the TypeScript shows the error in skaffold's log; fixing it recovers
//   4. SIGINT: skaffold uninstalls the release and exits 0; nothing it started still runs
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { command } from '../../harness/command.ts';
import { REPO_ROOT } from '../../harness/paths.ts';
import { ProcessGroup, tail, type ExitStatus, type ManagedProcess } from '../../harness/procs.ts';
import { createRunDir, EventLog } from '../../harness/results.ts';
import { StopWaiting, waitFor } from '../../harness/wait.ts';
import { currentContext, helmReleases, namespaceExists, onlyApiPod, apiPods, releaseObjects, type ApiPod } from './cluster.ts';
import { DescendantWatch } from './descendants.ts';
import { countBuilds, portForwardOf, startFailures, syncedFiles } from './skaffold-log.ts';
import { copyWorkingTree, SourceEdit } from './work-tree.ts';

// What skaffold.yaml deploys, and what its local-cluster profile pushes.
const NAMESPACE = 'xwing';
const RELEASE = 'xwing';
const LOCAL_CONTEXT = 'xwing-local';
const REGISTRY_IMAGE = 'localhost:5001/xwing';

// The edited file: every probe answer goes through this object literal.
const EDITED_FILE = 'app/src/health/probes.ts';
const ANCHOR = "{ 'Cache-Control': 'no-store', ...headers }";
const withHeader = (value: string) => `{ 'Cache-Control': 'no-store', 'X-Dev-Loop': '${value}', ...headers }`;
// A missing comma: a syntax error that Node's type stripping refuses, as a typo would be.
const BROKEN = "{ 'Cache-Control': 'no-store' 'X-Dev-Loop': 'broken', ...headers }";

const FIRST_DEPLOY_MS = 15 * 60_000;
const CHANGE_MS = 60_000;
const EXIT_MS = 3 * 60_000;
const GONE_MS = 2 * 60_000;

const runDir = createRunDir('dev-loop');
const events = new EventLog(runDir);
const group = new ProcessGroup(runDir, { detached: true });
const tree = join(REPO_ROOT, '.run', 'dev-loop', 'tree');
const env = {
  ...process.env,
  // skaffold v2.16 asks `helm version --client`, which Helm 4 dropped: it gets the pinned Helm 3 (mk/kube.mk).
  PATH: `${join(REPO_ROOT, '.tools', 'skaffold-helm')}:${process.env.PATH ?? ''}`,
  SKAFFOLD_UPDATE_CHECK: 'false',
};

const numbers: Record<string, number> = {};

function check(what: string, ok: boolean, detail = ''): void {
  events.event(ok ? 'check-ok' : 'check-failed', { what, detail });
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
  if (!ok) throw new Error(`${what}${detail ? `: ${detail}` : ''}`);
}

function record(name: string, ms: number): void {
  numbers[name] = Math.round(ms);
  // Not `ms`: the event log's own field, the time since the run started.
  events.event('number', { name, valueMs: numbers[name] });
}

async function exitOf(proc: ManagedProcess, timeoutMs: number): Promise<ExitStatus> {
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  const result = await Promise.race([proc.exited, timer]);
  if (result === 'timeout') {
    proc.kill('SIGKILL');
    throw new Error(`${proc.name} did not exit within ${timeoutMs} ms; killed. Its log ends:\n${tail(proc.output())}`);
  }
  return result;
}

interface Probe {
  status: number;
  devLoop: string | null;
}

/** /readyz through skaffold's port-forward of the API Service (re-read: skaffold may forward anew). */
async function probe(skaffold: ManagedProcess): Promise<Probe> {
  const forward = portForwardOf(skaffold.output(), `service/${RELEASE}`, 80);
  if (forward === undefined) throw new Error('no port-forward yet');
  const res = await fetch(`http://${forward.address}:${forward.localPort}/readyz`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return { status: res.status, devLoop: res.headers.get('x-dev-loop') };
}

function alive(proc: ManagedProcess): void {
  if (!proc.alive) throw new StopWaiting(`${proc.name} exited; its log ends:\n${tail(proc.output())}`);
}

async function samePod(before: ApiPod, what: string): Promise<void> {
  const now = await onlyApiPod(NAMESPACE, RELEASE);
  check(`${what}: same pod, container not restarted`, now.uid === before.uid && now.restartCount === before.restartCount,
    `${now.name} uid ${now.uid.slice(0, 8)} restarts ${now.restartCount} (before: ${before.name} ${before.uid.slice(0, 8)} ${before.restartCount})`);
}

async function releaseGone(what: string): Promise<void> {
  check(`${what}: no Helm release ${RELEASE}`, !(await helmReleases(NAMESPACE)).includes(RELEASE));
  const goneMs = await waitFor(`the release's objects to go`, async () => (await releaseObjects(NAMESPACE, RELEASE)).length === 0, { timeoutMs: GONE_MS, intervalMs: 1000 });
  check(`${what}: the release's Deployment, StatefulSet, Services and pods are gone`, true, `${(goneMs / 1000).toFixed(1)} s after`);
}

async function devLoop(): Promise<void> {
  console.log('skaffold dev');
  const edit = new SourceEdit(join(tree, EDITED_FILE), ANCHOR);
  const started = performance.now();
  const skaffold = group.spawn('skaffold-dev', 'skaffold', ['dev', '--port-forward=user', '--cache-artifacts=false'], { cwd: tree, env });
  const watch = new DescendantWatch(skaffold.pid);
  try {
    await waitFor('skaffold dev to deploy, forward the API and watch for changes', async () => {
      alive(skaffold);
      return skaffold.output().includes('Watching for changes') && (await probe(skaffold)).status === 200;
    }, { timeoutMs: FIRST_DEPLOY_MS, intervalMs: 1000 });
    record('dev_first_ready_ms', performance.now() - started);
    const pod = await onlyApiPod(NAMESPACE, RELEASE);
    check('1. dev image built once, chart deployed, /readyz 200 through the port-forward', countBuilds(skaffold.output()) === 1 && pod.ready,
      `${(numbers.dev_first_ready_ms ?? 0) / 1000} s from start; pod ${pod.name}`);
    check('   the image came from the local registry', pod.image.startsWith(`${REGISTRY_IMAGE}:`), pod.image);

    /** Writes a header carrying a fresh nonce into the watched file; the ms from the write until the pod serves it. */
    const servedAfterEdit = async (what: string, prefix: string): Promise<number> => {
      const nonce = `${prefix}-${Date.now().toString(36)}`;
      const written = edit.replaceAnchor(withHeader(nonce));
      await waitFor(what, async () => {
        alive(skaffold);
        return (await probe(skaffold)).devLoop === nonce;
      }, { timeoutMs: CHANGE_MS, intervalMs: 100 });
      return performance.now() - written;
    };

    const syncMark = skaffold.output().length;
    record('sync_to_served_ms', await servedAfterEdit('the synced change to be served', 'sync'));
    const afterSync = skaffold.output().slice(syncMark);
    check('2. the edit was synced, not built', syncedFiles(afterSync) >= 1 && countBuilds(afterSync) === 0,
      `${syncedFiles(afterSync)} file(s) synced, ${countBuilds(afterSync)} build(s); served ${(numbers.sync_to_served_ms ?? 0) / 1000} s after the write`);
    await samePod(pod, '   after the sync');

    const breakMark = skaffold.output().length;
    const broken = edit.replaceAnchor(BROKEN);
    let errorLines: string[] = [];
    await waitFor("the TypeScript error in skaffold's log", () => {
      alive(skaffold);
      errorLines = startFailures(skaffold.output().slice(breakMark), 'probes.ts');
      return errorLines.length > 0;
    }, { timeoutMs: CHANGE_MS, intervalMs: 100 });
    record('error_shown_ms', performance.now() - broken);
    check("3. the broken edit shows its error in skaffold's log", errorLines.length > 0, `after ${(numbers.error_shown_ms ?? 0) / 1000} s:\n${errorLines.map((l) => `       | ${l}`).join('\n')}`);
    record('fix_to_served_ms', await servedAfterEdit('the fixed source to be served', 'fixed'));
    check('   fixing it recovers without restarting skaffold', countBuilds(skaffold.output().slice(breakMark)) === 0,
      `served ${(numbers.fix_to_served_ms ?? 0) / 1000} s after the fix, no build`);
    await samePod(pod, '   after break and fix');

    const interrupted = performance.now();
    skaffold.kill('SIGINT');
    const exit = await exitOf(skaffold, EXIT_MS);
    record('sigint_to_exit_ms', performance.now() - interrupted);
    watch.sample();
    watch.stop();
    check('4. SIGINT: skaffold exits 0', exit.code === 0, `code ${exit.code ?? 'none'}, signal ${exit.signal ?? 'none'}, after ${(numbers.sigint_to_exit_ms ?? 0) / 1000} s`);
    await releaseGone('   after SIGINT');
    const forwards = watch.seen.filter((proc) => proc.command.includes('port-forward'));
    const left = watch.alive();
    check('   nothing skaffold started still runs', left.length === 0 && forwards.length > 0,
      `${watch.seen.length} processes seen (${forwards.length} port-forward); still running: ${left.map((p) => `${p.pid} ${p.command}`).join('; ') || 'none'}`);
  } finally {
    watch.stop();
  }
}

async function runAndDelete(): Promise<void> {
  console.log('skaffold run, skaffold delete');
  const started = performance.now();
  const run = group.spawn('skaffold-run', 'skaffold', ['run', '--port-forward=off', '--cache-artifacts=false'], { cwd: tree, env });
  const runExit = await exitOf(run, FIRST_DEPLOY_MS);
  record('run_ms', performance.now() - started);
  check('skaffold run exits 0', runExit.code === 0, `after ${(numbers.run_ms ?? 0) / 1000} s${runExit.code === 0 ? '' : `; its log ends:\n${tail(run.output())}`}`);
  const pods = await apiPods(NAMESPACE, RELEASE);
  check('   the release runs, every API pod Ready, from the local registry', (await helmReleases(NAMESPACE)).includes(RELEASE) &&
    pods.length > 0 && pods.every((pod) => pod.ready && pod.image.startsWith(`${REGISTRY_IMAGE}:`)),
    pods.map((pod) => `${pod.name} ready=${pod.ready}`).join(', '));
  const deleted = performance.now();
  const del = group.spawn('skaffold-delete', 'skaffold', ['delete'], { cwd: tree, env });
  const delExit = await exitOf(del, EXIT_MS);
  check('skaffold delete exits 0', delExit.code === 0, delExit.code === 0 ? '' : tail(del.output()));
  await releaseGone('   after skaffold delete');
  record('delete_ms', performance.now() - deleted);
}

let cleaning: Promise<void> | undefined;

/** Leaves the cluster as the test found it, whatever failed: skaffold stopped, release, PVC and namespace gone. */
function cleanup(namespaceExisted: boolean): Promise<void> {
  cleaning ??= (async () => {
    await group.stopAll({ signal: 'SIGINT', timeoutMs: EXIT_MS });
    const steps: [string, string[]][] = [];
    if ((await helmReleases(NAMESPACE).catch((): string[] => [])).includes(RELEASE)) {
      steps.push(['helm', ['uninstall', RELEASE, '-n', NAMESPACE, '--wait', '--timeout', '2m']]);
    }
    // The StatefulSet's volume claim outlives the release by design.
    steps.push(['kubectl', ['-n', NAMESPACE, 'delete', 'pvc', '-l', `app.kubernetes.io/instance=${RELEASE}`, '--ignore-not-found', '--timeout=120s']]);
    if (!namespaceExisted) steps.push(['kubectl', ['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--timeout=120s']]);
    for (const [cmd, args] of steps) {
      await command(cmd, args, 150_000).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
    }
    rmSync(tree, { recursive: true, force: true });
  })();
  return cleaning;
}

async function main(): Promise<number> {
  console.log(`dev loop on the local cluster; logs in ${runDir}`);
  const context = await currentContext();
  if (context !== LOCAL_CONTEXT) {
    console.error(`test-dev-loop runs on the local cluster (make cluster-up); the kube context is ${context}`);
    return 2;
  }
  if ((await helmReleases(NAMESPACE)).includes(RELEASE)) {
    console.error(`a release ${RELEASE} exists in namespace ${NAMESPACE}; the test would replace it (make undeploy first)`);
    return 2;
  }
  const namespaceExisted = await namespaceExists(NAMESPACE);
  process.once('SIGINT', () => {
    console.error('interrupted: stopping skaffold and removing the release');
    void cleanup(namespaceExisted).finally(() => process.exit(130));
  });
  let failed: unknown;
  try {
    console.log(`copied ${copyWorkingTree(REPO_ROOT, tree)} files of the working tree into ${tree}`);
    await devLoop();
    await runAndDelete();
  } catch (error) {
    failed = error;
  } finally {
    await cleanup(namespaceExisted);
  }
  writeFileSync(join(runDir, 'summary.json'), `${JSON.stringify({ passed: failed === undefined, numbers }, null, 2)}\n`);
  console.log('\nnumbers (ms):');
  for (const [name, ms] of Object.entries(numbers)) console.log(`  ${name.padEnd(22)} ${ms}`);
  if (failed !== undefined) {
    console.error(`\ntest-dev-loop FAILED: ${failed instanceof Error ? failed.message : JSON.stringify(failed)}`);
    return 1;
  }
  console.log('\ntest-dev-loop passed');
  return 0;
}

process.exitCode = await main();
