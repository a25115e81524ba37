// The Sentinel timing the chart gives users (charts/xwing/values.yaml, redis.sentinel.*), read
// from the chart itself so the loopback failover rows measure what an install gets and cannot
// drift from it. Only the three scalars are read; the file is otherwise the chart's business.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/index.ts';

export interface SentinelTiming {
  downAfterMs: number;
  failoverTimeoutMs: number;
  quorum: number;
}

const VALUES = join(REPO_ROOT, 'charts', 'xwing', 'values.yaml');

/** The integer at `redis.sentinel.<key>` of a values file laid out with two-space indents. */
function sentinelValue(lines: readonly string[], key: string): number {
  let section = '';
  let subsection = '';
  for (const line of lines) {
    const top = /^([A-Za-z]\w*):/.exec(line);
    if (top) [section, subsection] = [top[1] ?? '', ''];
    const sub = /^ {2}([A-Za-z]\w*):/.exec(line);
    if (sub) subsection = sub[1] ?? '';
    const value = new RegExp(`^ {4}${key}:\\s*(\\d+)\\s*(#.*)?$`).exec(line);
    if (section === 'redis' && subsection === 'sentinel' && value) return Number(value[1]);
  }
  throw new Error(`${VALUES}: no integer redis.sentinel.${key}`);
}

export function chartSentinelTiming(): SentinelTiming {
  const lines = readFileSync(VALUES, 'utf8').split('\n');
  return {
    downAfterMs: sentinelValue(lines, 'downAfterMilliseconds'),
    failoverTimeoutMs: sentinelValue(lines, 'failoverTimeout'),
    quorum: sentinelValue(lines, 'quorum'),
  };
}
