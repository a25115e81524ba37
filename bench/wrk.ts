// wrk (C, epoll) costs a fraction of a Node generator's CPU per request, so the generator's core
// limits the light variants less. Without a rate: saturation. With one: wrk-rate.lua spaces each
// connection's requests by a random delay averaging connections / rate.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, type ProcessGroup } from '../harness/index.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface WrkRun {
  url: string;
  headers: Record<string, string>;
  seconds: number;
  connections: number;
  rate?: number | undefined;
}

export type WrkResult = Awaited<ReturnType<typeof wrk>>;

type Counts = 'requests' | 'durationUs' | 'connect' | 'read' | 'write' | 'status' | 'timeout' | 'p50Us' | 'p99Us' | 'maxUs';

export async function wrk(group: ProcessGroup, run: WrkRun) {
  const args = ['-t1', `-c${run.connections}`, `-d${run.seconds}s`, '--timeout', '5s', '-s', join(here, run.rate ? 'wrk-rate.lua' : 'wrk-report.lua')];
  for (const [name, value] of Object.entries(run.headers)) args.push('-H', `${name}: ${value}`);
  args.push(run.url);
  if (run.rate) args.push('--', String((run.connections * 1000) / run.rate));
  // Below Redis (which inherits the bench's priority) on the shared CPU: Redis is part of the
  // system under test, the generator only takes what is left.
  const proc = group.spawn('wrk', 'nice', ['-n', '19', 'wrk', ...args]);
  const exit = await Promise.race([proc.exited, sleep((run.seconds + 30) * 1000).then(() => undefined)]);
  if (!exit) {
    await proc.stop({ signal: 'SIGKILL' });
    throw new Error(`wrk did not finish within ${run.seconds + 30} s`);
  }
  const output = proc.output();
  const line = output.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (exit.code !== 0 || !line) throw new Error(`wrk exited with ${exit.signal ?? `code ${exit.code}`} and no result: ${output}`);
  const r = JSON.parse(line.slice('WRK_JSON '.length)) as Record<Counts, number>;
  return {
    requests: r.requests,
    seconds: r.durationUs / 1e6,
    rps: r.requests / (r.durationUs / 1e6),
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    maxMs: r.maxUs / 1000,
    non2xx: r.status,
    errors: r.connect + r.read + r.write,
    timeouts: r.timeout,
  };
}

export function failures(result: WrkResult): number {
  return result.errors + result.timeouts + result.non2xx;
}
