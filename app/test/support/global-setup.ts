import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ProcessGroup, startRedis } from '../../../harness/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** One real Redis for the whole run; each test isolates itself with its own key prefix. */
export default async function setup(project: TestProject) {
  const external = process.env.TEST_REDIS_URL;
  if (external) {
    project.provide('redisUrl', external);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xwing-test-redis-'));
  const group = new ProcessGroup(dir);
  const redis = await startRedis(group, { name: 'redis', dir: join(dir, 'redis') });
  project.provide('redisUrl', redis.url);
  return async () => {
    await group.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
}
