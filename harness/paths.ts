// Where things are in the repository, for every harness module.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
/** The settings every Redis xwing runs shares with the chart. */
export const SHARED_REDIS_CONF = join(REPO_ROOT, 'charts', 'xwing', 'files', 'redis.conf');
/** The one results root: a folder per run (results.ts). */
export const RESULTS_ROOT = join(REPO_ROOT, 'results');
