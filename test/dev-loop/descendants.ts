// Every process a process started (kubectl port-forward, helm, docker clients), sampled while it
// runs, so that after it exits the test can tell whether any of them was left behind.
import { readdirSync, readFileSync } from 'node:fs';
import { processStartMs } from '../../harness/procs.ts';

export interface SeenProcess {
  pid: number;
  startMs: number;
  command: string;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields count from the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/** Collects the descendants of `root` every `intervalMs` until stopped; a PID counts with its start time. */
export class DescendantWatch {
  readonly #root: number;
  readonly #seen = new Map<string, SeenProcess>();
  readonly #timer: NodeJS.Timeout;

  constructor(root: number, intervalMs = 250) {
    this.#root = root;
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  sample(): void {
    const children = new Map<number, number[]>();
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      const parent = parentOf(pid);
      if (parent === undefined) continue;
      children.set(parent, [...(children.get(parent) ?? []), pid]);
    }
    const queue = [...(children.get(this.#root) ?? [])];
    for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
      const startMs = processStartMs(pid);
      if (startMs === undefined) continue;
      const key = `${pid}@${startMs}`;
      if (!this.#seen.has(key)) this.#seen.set(key, { pid, startMs, command: commandOf(pid) });
      queue.push(...(children.get(pid) ?? []));
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  get seen(): SeenProcess[] {
    return [...this.#seen.values()];
  }

  /** The seen processes that still run (same PID, same start time). */
  alive(): SeenProcess[] {
    return this.seen.filter((proc) => processStartMs(proc.pid) === proc.startMs);
  }
}
