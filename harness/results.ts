// One results root (<repo>/results) with one folder per run, and one event-log format.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_ROOT } from './paths.ts';

/** A run's progress line on stderr, with the time of day. */
export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** 20260127T094501Z: sorts by time, safe in a file name. */
export function utcCompact(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * Creates `<root>/<utc-compact>-<kind>/` (root: <repo>/results) and returns its path. Two runs of
 * the same kind in the same second get `-2`, `-3`, ... rather than sharing a folder.
 */
export function createRunDir(kind: string, { root = RESULTS_ROOT }: { root?: string } = {}): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(kind)) throw new Error(`run kind ${JSON.stringify(kind)}: use letters, digits, '.', '_' and '-'`);
  mkdirSync(root, { recursive: true });
  const base = `${utcCompact()}-${kind}`;
  for (let n = 1; ; n++) {
    const dir = join(root, n === 1 ? base : `${base}-${n}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Appends one JSON line per event, `{t, ms, event, ...fields}`, to `<runDir>/events.jsonl`. */
export class EventLog {
  readonly path: string;
  readonly #epoch = performance.now();

  constructor(runDir: string) {
    this.path = join(runDir, 'events.jsonl');
    appendFileSync(this.path, '');
  }

  /** ms since the log was opened; pass as a LoadGenerator's clock so records and events share a time base. */
  ms(): number {
    return performance.now() - this.#epoch;
  }

  /** Writes the event at once (synchronously: a crash right after still leaves it on disk). */
  event(event: string, fields: Record<string, unknown> = {}): void {
    const own = { t: new Date().toISOString(), ms: Math.round(this.ms() * 10) / 10, event };
    // The log's own keys first in every line, and fields named t, ms or event cannot replace them.
    appendFileSync(this.path, `${JSON.stringify(Object.assign({ ...own, ...fields }, own))}\n`);
  }
}
