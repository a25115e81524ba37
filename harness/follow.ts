// Shows a process's log as it grows (a ProcessGroup sends every child's output to a file), e.g.
// the app's log in the terminal of `make run`.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

export interface LogFollower {
  /** Copies what was appended since the last copy, now. */
  flush(): void;
  /** Copies what is left and stops. */
  stop(): void;
}

/** Copies what is appended to `path` from now on to `out`, every `intervalMs`; the file may not exist yet. */
export function followLog(path: string, out: NodeJS.WritableStream, intervalMs = 100): LogFollower {
  let position = sizeOf(path);
  const copy = () => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= position) return;
      const buffer = Buffer.alloc(size - position);
      const read = readSync(fd, buffer, 0, buffer.length, position);
      position += read;
      out.write(buffer.subarray(0, read));
    } finally {
      closeSync(fd);
    }
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

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
