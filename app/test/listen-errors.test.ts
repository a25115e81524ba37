// A port already taken stops the real server with one line naming the setting, like a bad setting does.
import { createServer, type Server } from 'node:net';
import { describe, expect, onTestFinished, test } from 'vitest';
import { freePort } from '../../harness/index.ts';
import { LISTEN_FAILED_EXIT_CODE } from '../src/http/listen.ts';
import { spawnService } from './support/processes.ts';

/** Holds 127.0.0.1:`port` until the test ends, as another program would. */
async function holdPort(port: number): Promise<void> {
  const holder: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.listen(port, '127.0.0.1', resolve);
  });
  onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())));
}

describe('a port in use at start-up', () => {
  test.each([
    { variable: 'PORT', cluster: false }, { variable: 'METRICS_PORT', cluster: false },
    { variable: 'PORT', cluster: true }, { variable: 'METRICS_PORT', cluster: true },
  ] as const)('$variable, cluster $cluster: exit code 69, one line naming the variable and port', async ({ variable, cluster }) => {
    const ports = { PORT: await freePort(), METRICS_PORT: await freePort() };
    await holdPort(ports[variable]);
    // Redis is up and info lines are off: whatever the process prints is about the port.
    const env = { PORT: String(ports.PORT), METRICS_PORT: String(ports.METRICS_PORT), LOG_LEVEL: 'warn' };
    const service = await spawnService(cluster ? { ...env, WEB_CONCURRENCY: '2' } : env, { waitReady: false });
    onTestFinished(async () => {
      await service.stop();
    });

    expect(await service.exited).toBe(LISTEN_FAILED_EXIT_CODE);
    const line = `xwing: ${variable}=${ports[variable]}: port ${ports[variable]} is already in use by another process (EADDRINUSE)\n`;
    if (cluster) expect(service.output()).toContain(line);
    else expect(service.output()).toBe(line);
    expect(service.output()).not.toMatch(/\n\s+at /);
  });
});
