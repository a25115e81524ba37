// Redis commands per request under load: the primary's INFO commandstats around the measured
// round. Redis counts the commands a Lua script calls as calls too (monitor.ts tells them apart).
import type { RedisNode } from '../harness/index.ts';

export type CallCounts = Map<string, number>;

/** Per command, calls per request, most first. */
export type PerRequest = { command: string; perRequest: number }[];

export async function callCounts(node: RedisNode): Promise<CallCounts> {
  const counts: CallCounts = new Map();
  for (const [key, value] of await node.info('commandstats')) {
    const calls = /(?:^|,)calls=(\d+)/.exec(value)?.[1];
    if (key.startsWith('cmdstat_') && calls) counts.set(key.slice('cmdstat_'.length), Number(calls));
  }
  return counts;
}

/** EVALSHA and EVAL: one call per script run. */
export const scriptCalls = (counts: CallCounts) => (counts.get('evalsha') ?? 0) + (counts.get('eval') ?? 0);

export function perRequest(before: CallCounts, after: CallCounts, requests: number): PerRequest {
  return [...after]
    .map(([command, calls]) => ({ command, perRequest: (calls - (before.get(command) ?? 0)) / requests }))
    .filter((c) => c.perRequest > 0)
    .sort((a, b) => b.perRequest - a.perRequest);
}

export function total(counts: PerRequest): number {
  return counts.reduce((sum, c) => sum + c.perRequest, 0);
}

export function describe(counts: PerRequest, floor = 0.0005): string {
  const shown = counts.filter((c) => c.perRequest >= floor);
  const rest = total(counts) - total(shown);
  return `${shown.map((c) => `${c.command} ${c.perRequest.toFixed(3)}`).join(', ')}${rest > 0 ? `, others ${rest.toFixed(4)}` : ''}`;
}
