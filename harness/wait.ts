// Bounded waiting. Every wait in the harness (and in whatever runs on it) goes through waitFor, so
// none can hang a suite: it either holds within its budget or fails naming what it waited for.
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export const sleep = (ms: number): Promise<void> => delay(ms);

/**
 * Thrown from a waitFor condition to end the wait at once (e.g. the process being waited for has
 * exited, so polling on would only burn the budget). waitFor rethrows its cause.
 */
export class StopWaiting extends Error {
  override name = 'StopWaiting';
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Polls `condition` every `intervalMs` until it holds and resolves with the elapsed ms; rejects
 * with `Error("<what>: not within N ms")` once `timeoutMs` has passed (the last error the
 * condition threw, if any, is the error's `cause`). A condition that throws counts as "not yet",
 * except a StopWaiting, which ends the wait with that error.
 */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  { timeoutMs, intervalMs = 50 }: WaitOptions,
): Promise<number> {
  const started = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return performance.now() - started;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    const left = timeoutMs - (performance.now() - started);
    if (left <= 0) break;
    await delay(Math.min(intervalMs, left));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`, lastError === undefined ? undefined : { cause: lastError });
}

/** Ports handed out recently by this process, so two callers never get the same one before either binds it. */
const handedOut = new Map<number, number>();
const HANDED_OUT_MS = 60_000;

/**
 * A TCP port nothing listens on right now (the kernel's choice), on `host`. Another process could
 * still take it before the caller binds it; startRedis retries on that when it chose the port.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const now = Date.now();
  for (const [port, at] of handedOut) if (now - at > HANDED_OUT_MS) handedOut.delete(port);
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.set(port, now);
      return port;
    }
  }
  throw new Error(`freePort: no fresh port on ${host}`);
}
