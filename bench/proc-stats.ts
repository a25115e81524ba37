// What /proc says that the bench needs beyond the harness's process stats: a process's peak
// resident memory, and how busy one CPU has been.
import { readFileSync } from 'node:fs';

export function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Jiffies CPU `cpu` (e.g. '1') has spent busy, and in all, since boot. */
export function cpuTimes(cpu: string): { busy: number; all: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) throw new Error(`/proc/stat has no cpu${cpu}`);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, ...rest] = line.split(/\s+/).slice(1).map(Number);
  // guest and guest_nice (the last two) are already counted in user and nice.
  const busy = user + nice + system + rest.slice(0, 3).reduce((a, b) => a + b, 0);
  return { busy, all: busy + idle + iowait };
}
