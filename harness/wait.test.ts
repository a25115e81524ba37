import { createServer } from 'node:net';
import { describe, expect, test } from 'vitest';
import { freePort, StopWaiting, waitFor } from './wait.ts';

describe('waitFor', () => {
  test('resolves with the elapsed ms once the condition holds', async () => {
    let calls = 0;
    const elapsed = await waitFor('third call', () => ++calls === 3, { timeoutMs: 1000, intervalMs: 10 });
    expect(calls).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(15);
  });

  test('fails naming what it waited for, with the last error as its cause', async () => {
    const failure = waitFor('the moon', () => Promise.reject(new Error('still dark')), { timeoutMs: 100 });
    await expect(failure).rejects.toThrow('the moon: not within 100 ms');
    await expect(failure).rejects.toMatchObject({ cause: new Error('still dark') });
  });

  test('a StopWaiting from the condition ends the wait at once', async () => {
    const started = performance.now();
    await expect(
      waitFor('never', () => {
        throw new StopWaiting('the process exited');
      }, { timeoutMs: 10_000 }),
    ).rejects.toThrow('the process exited');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

test('freePort gives distinct ports that can be bound', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  expect(new Set(ports).size).toBe(20);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
  server.close();
});
