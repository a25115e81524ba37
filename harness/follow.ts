// Shows a process's log as it grows (a ProcessGroup sends every child's output to a file), e.g.
// the app's log in the terminal of `make run`.
import { statSync } from 'node:fs';
import { readBytes } from './procs.ts';

export interface LogFollower {
  /** Copies what was appended since the last copy, now. */
  flush(): void;
  /** Copies what is left and stops. */
  stop(): void;
}

/** Copies what is appended to `path` from now on to `out`, every `intervalMs`; the file may not exist yet. */
export function followLog(path: string, out: NodeJS.WritableStream, intervalMs = 100): LogFollower {
  let position = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  const copy = () => {
    const appended = readBytes(path, position);
    position += appended.length;
    if (appended.length > 0) out.write(appended);
  };
  const timer = setInterval(copy, intervalMs);
  return {
    flush: copy,
    stop() {
      clearInterval(timer);
      copy();
    },
  };
}
