import type { TestProject } from 'vitest/node';
import { ownRedis } from './processes.ts';

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
  const redis = await ownRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.close();
}
