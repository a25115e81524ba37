// The e2e suite's settings, from the environment (make e2e passes it through); a bad value stops
// the suite before it touches the cluster, naming the variable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { int } from '../loadtest/knobs.ts';
import { REPO_ROOT, utcCompact } from '../harness/index.ts';

export interface Settings {
  chart: string;
  started: string;
  namespace: string;
  replicationNamespace: string;
  /** Whether the replication flow runs beside the standalone one. */
  replication: boolean;
  release: string;
  out: string;
  /** image:tag of the app. */
  image: string;
  imageName: string;
  imageTag: string;
  /** Session checks per second through a rollout restart. */
  loadRps: number;
  /** Requests per second while the Redis primary's pod is deleted. */
  faultRps: number;
  keep: boolean;
}

export function e2eSettings(env: NodeJS.ProcessEnv): Settings {
  const started = utcCompact();
  const namespace = env.E2E_NAMESPACE || `xwing-e2e-${Math.floor(Date.now() / 1000)}`;
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const imageName = env.IMAGE || 'xwing';
  const imageTag = env.IMAGE_TAG || version;
  return {
    chart: join(REPO_ROOT, 'charts', 'xwing'),
    started,
    namespace,
    replicationNamespace: `${namespace}-repl`,
    replication: env.E2E_REPLICATION !== '0',
    release: env.E2E_RELEASE || 'xw',
    out: env.E2E_OUT || join(REPO_ROOT, 'results', `${started}-e2e`),
    image: `${imageName}:${imageTag}`,
    imageName,
    imageTag,
    loadRps: int(env, 'E2E_LOAD_RPS', 4, 1, 100),
    faultRps: int(env, 'E2E_FAULT_RPS', 20, 1, 200),
    keep: env.E2E_KEEP === '1',
  };
}
