// End-to-end suite (make e2e): builds and loads the image, then checks the chart on the live cluster
// of the current kube context (the local cluster, kind or minikube) in both Redis architectures,
// each release in a fresh namespace enforcing the restricted Pod Security Standard:
//   standalone (standalone.ts): install, helm test, chart variants, churn, upgrade, uninstall;
//   replication (replication.ts, E2E_REPLICATION=0 skips it): install and helm test while the
//     standalone flow runs, then the primary's pod deleted under load once that flow is done.
// Settings in settings.ts. Writes events.jsonl (one `step` event per step), result.json and
// summary.md to the run folder; exits 1 when a step failed.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { command, EventLog, Release, REPO_ROOT } from '../harness/index.ts';
import { failoverTable, type FailoverRow } from './failover-report.ts';
import { Flow, type StepResult } from './flow.ts';
import { replicationFlow } from './replication.ts';
import { e2eSettings, type Settings } from './settings.ts';
import { standaloneFlow } from './standalone.ts';

const HOUR_S = 3600;

async function image(flow: Flow, s: Settings, context: string): Promise<void> {
  const images = join(REPO_ROOT, 'e2e', 'cluster-images.sh');
  const mode = (await command('bash', [images, 'context'])).trim();
  flow.log(`context: ${context} (${mode})`);
  const make = (args: string[]) => flow.run('make', ['--no-print-directory', '-C', REPO_ROOT, ...args], HOUR_S);
  // No registry here: the Dockerfile's and the chart's base images are local stand-ins.
  if (mode === 'local') await make(['base-images']);
  await make(['image', `IMAGE=${s.imageName}`, `IMAGE_TAG=${s.imageTag}`]);
  await flow.run('bash', [images, 'load', s.image], HOUR_S);
}

/**
 * Nothing in the suite's namespaces is worth a graceful stop: once the namespace is terminating (no
 * controller recreates a pod), its pods go at once instead of each running its preStop (a Redis
 * primary's waits up to 20 s for a handover no replica can take).
 */
async function deleteNamespace(namespace: string): Promise<void> {
  if (!(await command('kubectl', ['get', 'namespace', namespace]).then(() => true, () => false))) return;
  await command('kubectl', ['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
  await command('kubectl', ['-n', namespace, 'delete', 'pods', '--all', '--grace-period=0', '--force']).catch(() => undefined);
  await command('kubectl', ['wait', '--for=delete', `namespace/${namespace}`, '--timeout=180s'], 200_000)
    .catch(() => process.stderr.write(`namespace ${namespace} not deleted within 180s\n`));
}

function report(s: Settings, context: string, steps: StepResult[], seconds: number): boolean {
  const rows = readdirSync(s.out).filter((f) => /^failover-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(s.out, f), 'utf8')) as FailoverRow)
    .sort((a, b) => a.deletedAt - b.deletedAt);
  const passed = steps.every((step) => step.status !== 'failed');
  const namespaces = { standalone: s.namespace, replication: s.replicationNamespace };
  const result = { context, namespaces, image: s.image, started: s.started, passed, seconds, steps, failover: rows };
  writeFileSync(join(s.out, 'result.json'), JSON.stringify(result, null, 2));
  const summary = [
    `# xwing end-to-end: ${passed ? 'PASSED' : 'FAILED'}`,
    '',
    `Context \`${context}\`, namespaces \`${s.namespace}\` and \`${s.replicationNamespace}\`, image \`${s.image}\`, ${seconds}s wall time.`,
    '',
    '| mode | step | result | seconds |',
    '|---|---|---|---|',
    ...steps.map((step) => `| ${step.mode} | ${step.name} | ${step.status} | ${step.seconds} |`),
    ...(rows.length > 0 ? ['', `## Redis failover under load (${s.faultRps} req/s from a pod in the cluster)`, '', failoverTable(rows)] : []),
  ].join('\n');
  writeFileSync(join(s.out, 'summary.md'), `${summary}\n`);
  process.stdout.write(`${summary}\n`);
  process.stderr.write(`results: ${join(s.out, 'result.json')}\n`);
  return passed;
}

async function main(): Promise<number> {
  const s = e2eSettings(process.env);
  await command('kubectl', ['get', '--raw', '/readyz']).catch((error: unknown) => {
    throw new Error(`the current kube context does not answer: ${(error as Error).message}`);
  });
  const context = (await command('kubectl', ['config', 'current-context'])).trim();
  mkdirSync(s.out, { recursive: true });
  const events = new EventLog(s.out);
  const steps: StepResult[] = [];
  const flow = (mode: string, namespace: string) => new Flow(mode, new Release({ namespace, release: s.release }), s.out, events, steps);
  const standalone = flow('standalone', s.namespace);
  const replication = flow('replication', s.replicationNamespace);
  const started = performance.now();
  const cleanup = async () => {
    if (s.keep) process.stderr.write(`keeping namespaces ${s.namespace} and ${s.replicationNamespace} (E2E_KEEP=1)\n`);
    else await Promise.all([deleteNamespace(s.namespace), deleteNamespace(s.replicationNamespace)]);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  try {
    await standalone.step('image', () => image(standalone, s, context));
    // The image is the replication flow's too.
    replication.failed = standalone.failed;
    let standaloneDone = () => {};
    const repl = s.replication ? replicationFlow(replication, s, new Promise<void>((done) => (standaloneDone = done))) : Promise.resolve();
    await standaloneFlow(standalone, s).finally(standaloneDone);
    // The standalone namespace goes while the replication flow runs.
    await Promise.all([repl, s.keep ? undefined : deleteNamespace(s.namespace)]);
  } finally {
    await cleanup();
  }
  return report(s, context, steps, Math.round((performance.now() - started) / 1000)) ? 0 : 1;
}

process.exit(await main().catch((error: unknown) => {
  process.stderr.write(`e2e: ${(error as Error).message}\n`);
  return 1;
}));
