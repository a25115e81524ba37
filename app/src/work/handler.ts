import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { RequestHandler } from 'express';
import { HttpProblem } from '../http/problem.ts';

/** Longest stretch of CPU work between two turns of the event loop. */
const SLICE_MS = 5;

/**
 * Burns about `ms` of CPU in short slices, so that probes and other requests on the same process
 * still get answered while the autoscaler sees real CPU use.
 */
export async function burnCpu(ms: number): Promise<{ rounds: number; slices: number }> {
  const deadline = performance.now() + ms;
  let rounds = 0;
  let slices = 0;
  let digest = Buffer.alloc(32);
  while (performance.now() < deadline) {
    const sliceEnd = Math.min(deadline, performance.now() + SLICE_MS);
    while (performance.now() < sliceEnd) {
      digest = createHash('sha256').update(digest).digest();
      rounds += 1;
    }
    slices += 1;
    await yieldToEventLoop();
  }
  return { rounds, slices };
}

/** GET /work?ms=N, behind the session guard: about N ms of CPU. */
export function workHandler(deps: { maxMs: number }): RequestHandler {
  return async (req, res) => {
    const raw = req.query.ms;
    const ms = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(ms) || ms < 1 || ms > deps.maxMs) {
      throw new HttpProblem('invalidQuery', `ms must be a whole number from 1 to ${deps.maxMs}.`);
    }
    const started = performance.now();
    const { rounds, slices } = await burnCpu(ms);
    res.json({ requestedMs: ms, elapsedMs: Math.round(performance.now() - started), rounds, slices });
  };
}
