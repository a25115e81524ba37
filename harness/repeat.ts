// A background loop that runs until stopped, and never longer than its bound even if nobody stops it.
import { sleep } from './wait.ts';

export interface Repeating<T> {
  /** Ends the loop after the round in progress; resolves with every round's result once it has ended. */
  stop(): Promise<T[]>;
}

/** Runs `round` with `everyMs` between rounds until stop(), `maxMs` after the start, or `until()` says so. */
export function repeat<T>(round: () => Promise<T>, { everyMs, maxMs, until = () => false }: { everyMs: number; maxMs: number; until?: () => boolean }): Repeating<T> {
  const results: T[] = [];
  const stopped = new AbortController();
  const deadline = performance.now() + maxMs;
  const loop = (async () => {
    while (!stopped.signal.aborted && performance.now() < deadline && !until()) {
      results.push(await round());
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      stopped.abort();
      await loop;
      return results;
    },
  };
}
