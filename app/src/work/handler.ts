import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { RequestHandler } from 'express';
import { z } from 'zod';
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

/**
 * The query of GET /work. `ms` is written in decimal digits only: Number() alone would also take
 * "1e3", "0x10" or " 7", none of them an integer as the contract writes one.
 */
export function workQuerySchema(maxMs: number) {
  return z.object({
    ms: z.codec(z.string().regex(/^\d{1,6}$/), z.int().min(1).max(maxMs), { decode: Number, encode: String }).meta({
      description: 'Milliseconds of CPU work.',
      examples: [100],
    }),
  });
}

export interface WorkResult {
  requestedMs: number;
  elapsedMs: number;
  rounds: number;
  slices: number;
}

/** GET /work?ms=N, behind the session guard: about N ms of CPU. */
export function workHandler(deps: { maxMs: number }): RequestHandler {
  const query = workQuerySchema(deps.maxMs);
  return async (req, res) => {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) throw new HttpProblem('invalidQuery', `ms must be a whole number from 1 to ${deps.maxMs}.`);
    const { ms } = parsed.data;
    const started = performance.now();
    const { rounds, slices } = await burnCpu(ms);
    const result: WorkResult = { requestedMs: ms, elapsedMs: Math.round(performance.now() - started), rounds, slices };
    res.json(result);
  };
}
