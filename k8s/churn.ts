// Bounded pod churn for xwing (k8s/churn.sh runs it on the project's Node): deletes one random
// running API pod every INTERVAL seconds for DURATION seconds, optionally finishing with a `kubectl
// rollout restart`, so that load tests can show sessions surviving pods coming and going. Stops by
// itself; Ctrl-C stops it early.
import { parseArgs } from 'node:util';
import { podReady, Release, sleep } from '../harness/index.ts';

const USAGE = `k8s/churn.sh [-n NAMESPACE] [-r RELEASE] [-i INTERVAL_S] [-d DURATION_S] [-R] [-c CONTEXT]
  -n  namespace (default xwing)      -r  Helm release (default xwing)
  -i  seconds between deletions (default 20, at least 5)
  -d  total seconds (default 120, at most 3600)
  -R  end with \`kubectl rollout restart\` of the API Deployment and wait for it
  -c  kubectl context (default: the current one)`;

interface ChurnOptions {
  release: Release;
  intervalS: number;
  durationS: number;
  restart: boolean;
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} churn: ${message}\n`);
}

/** The options from the command line; throws with what is wrong. */
function churnOptions(argv: string[], env: NodeJS.ProcessEnv): ChurnOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: 'xwing' },
      r: { type: 'string', default: 'xwing' },
      i: { type: 'string', default: '20' },
      d: { type: 'string', default: '120' },
      R: { type: 'boolean', default: false },
      c: { type: 'string' },
    },
  });
  const seconds = (raw: string) => {
    if (!/^\d+$/.test(raw)) throw new Error(`-i and -d take whole seconds, got '${raw}'`);
    return Number(raw);
  };
  const intervalS = seconds(values.i);
  const durationS = seconds(values.d);
  // The floor keeps a real cluster from being emptied faster than pods can restart; the test lowers it.
  const minInterval = Number(env.CHURN_MIN_INTERVAL_S || 5);
  if (intervalS < minInterval || durationS > 3600 || durationS < intervalS) throw new Error(`need ${minInterval} <= interval <= duration <= 3600 seconds`);
  const release = new Release({ namespace: values.n, release: values.r, kubectl: env.KUBECTL || 'kubectl', ...(values.c ? { context: values.c } : {}) });
  return { release, intervalS, durationS, restart: values.R };
}

/** Deletions at 0, i, 2i, ... while inside the duration, paced by the clock so that slow kubectl calls do not stretch the run. */
async function churn({ release, intervalS, durationS, restart }: ChurnOptions): Promise<void> {
  const selector = release.apiSelector;
  const ready = async () => (await release.list('pods', selector)).filter(podReady).length;
  if ((await release.list('pods', selector)).length === 0) throw new Error(`no pods match ${selector} in namespace ${release.namespace}`);
  const rounds = Math.ceil(durationS / intervalS);
  const start = performance.now();
  let deleted = 0;
  log(`deleting one of ${selector} every ${intervalS}s for ${durationS}s (${rounds} rounds)`);
  for (let round = 1; round <= rounds; round++) {
    const victim = await release.deleteRandomPod(selector);
    if (victim === undefined) log(`round ${round}: no running pod to delete`);
    else {
      deleted += 1;
      log(`round ${round}: deleted ${victim.pod} (${victim.running} were running, ${await ready()} ready now)`);
    }
    if (round < rounds) await sleep(start + round * intervalS * 1000 - performance.now());
  }
  if (restart) {
    log(`rollout restart of deployment/${await release.deployment()}`);
    await release.rolloutRestart(300);
  }
  log(`done: ${deleted} pods deleted, ${await ready()} ready`);
}

if (import.meta.main) {
  if (process.argv.includes('-h') || process.argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let options: ChurnOptions;
  try {
    options = churnOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`churn: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  await churn(options).catch((error: unknown) => {
    process.stderr.write(`churn: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
