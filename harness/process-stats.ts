// What a live process costs, read from /proc without asking the process (which may be the one
// under stress), and the few samples of its /metrics a suite needs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Resident set size in bytes; NaN once the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Open file descriptors; NaN once the process is gone. */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) used so far, in seconds; NaN once the process is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // USER_HZ is 100 on every architecture Node runs on.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * Established TCP connections whose local port is `port` (a server's clients), from /proc/net.
 * A server's fd count minus these is what it holds of its own: a leak shows there, while the
 * clients' pool size, which follows latency, does not.
 */
export function inboundConnections(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    // No tcp6 file means a kernel without IPv6: nothing to count there.
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '01' && local?.endsWith(`:${hexPort}`)) count++;
    }
  }
  return count;
}

/** The named samples of a Prometheus text exposition (the first series of each); NaN for a missing one. */
export async function scrapeMetrics<Name extends string>(url: string, names: readonly Name[], timeoutMs = 2000): Promise<Record<Name, number>> {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })).text();
  const values = {} as Record<Name, number>;
  for (const name of names) {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    values[name] = match ? Number(match[1]) : Number.NaN;
  }
  return values;
}
