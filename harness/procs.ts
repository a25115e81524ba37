// Processes started by PID and never left behind. A ProcessGroup owns a state folder:
//   pids/<name>.pid   the PID of each live child (removed when it exits), for a later run or a shell trap
//   logs/<name>.log   its stdout and stderr, appended (a restarted process continues the same log)
// Three layers make sure nothing outlives the run: stop()/stopAll() for the normal path; one
// process 'exit' hook per group (and SIGINT/SIGTERM/SIGHUP when nothing else handles them) that
// SIGKILLs every live child synchronously, for a throw or crash; and killRecorded(), which a new
// group runs on its state folder, for a run that was itself SIGKILLed and could run no hook.
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync, fstatSync } from 'node:fs';
import { join } from 'node:path';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** The child's whole environment; the parent's when omitted. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface GroupOptions {
  /**
   * Starts each child in a session of its own, so a signal sent to this process's group (a
   * terminal's Ctrl-C) reaches only this process, which then stops the children in its own order.
   */
  detached?: boolean;
}

export interface StopOptions {
  signal?: NodeJS.Signals;
  /** After this long the process gets SIGKILL. */
  timeoutMs?: number;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly alive: boolean;
  readonly exited: Promise<ExitStatus>;
  /** Sends `signal` (SIGKILL by default); false when the process is already gone. */
  kill(signal?: NodeJS.Signals): boolean;
  /** Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILLs; resolves with the exit. */
  stop(options?: StopOptions): Promise<ExitStatus>;
  /** What this process wrote to its log (not what an earlier process of the same name wrote). */
  output(): string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Groups with live children; the signal hooks below act for all of them. */
const liveGroups = new Set<ProcessGroup>();

export class ProcessGroup {
  readonly stateDir: string;
  readonly pidDir: string;
  readonly logDir: string;
  readonly #live = new Map<string, Tracked>();
  readonly #onExit = () => this.killAllSync();
  readonly #detached: boolean;

  constructor(stateDir: string, options: GroupOptions = {}) {
    this.stateDir = stateDir;
    this.#detached = options.detached ?? false;
    this.pidDir = join(stateDir, 'pids');
    this.logDir = join(stateDir, 'logs');
    mkdirSync(this.pidDir, { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
    for (const group of liveGroups) {
      if (group.pidDir === this.pidDir) throw new Error(`${stateDir} belongs to a group with live processes; give each group its own state folder`);
    }
    killRecorded(stateDir);
  }

  /** The live processes, oldest first. */
  get processes(): ManagedProcess[] {
    return [...this.#live.values()];
  }

  logPath(name: string): string {
    return join(this.logDir, `${name}.log`);
  }

  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): ManagedProcess {
    if (!NAME.test(name)) throw new Error(`process name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-'`);
    if (this.#live.has(name)) throw new Error(`a process named ${name} is already running in ${this.stateDir}`);
    const logPath = this.logPath(name);
    const log = openSync(logPath, 'a');
    let child: ChildProcess;
    try {
      const offset = fstatSync(log).size;
      child = spawnChild(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', log, log], detached: this.#detached });
      // spawn() reports ENOENT and the like asynchronously; the child never existed.
      if (child.pid === undefined) return this.#stillborn(name, logPath, offset, command, child);
      const tracked = new Tracked(name, child, child.pid, logPath, offset, join(this.pidDir, `${name}.pid`), this.#detached);
      this.#adopt(tracked);
      return tracked;
    } finally {
      closeSync(log);
    }
  }

  /** Stops every live process, newest first (the app before the Redis it uses), one after the other. */
  async stopAll(options: StopOptions = {}): Promise<void> {
    for (const proc of [...this.#live.values()].reverse()) await proc.stop(options);
  }

  /** SIGKILLs every live child now, synchronously; what the exit hook runs. */
  killAllSync(): void {
    for (const proc of this.#live.values()) {
      proc.kill('SIGKILL');
      rmSync(proc.pidFile, { force: true });
    }
  }

  #adopt(tracked: Tracked): void {
    writeFileSync(tracked.pidFile, `${tracked.pid}\n`);
    if (this.#live.size === 0) {
      process.on('exit', this.#onExit);
      liveGroups.add(this);
      installSignalHooks();
    }
    this.#live.set(tracked.name, tracked);
    void tracked.exited.then(() => {
      rmSync(tracked.pidFile, { force: true });
      if (this.#live.get(tracked.name) !== tracked) return;
      this.#live.delete(tracked.name);
      if (this.#live.size === 0) {
        process.off('exit', this.#onExit);
        liveGroups.delete(this);
      }
    });
  }

  #stillborn(name: string, logPath: string, offset: number, command: string, child: ChildProcess): ManagedProcess {
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('error', (error) => {
        writeFileSync(logPath, `harness: cannot run ${command}: ${error.message}\n`, { flag: 'a' });
        resolve({ code: 127, signal: null });
      });
    });
    return {
      name,
      pid: 0,
      logPath,
      alive: false,
      exited,
      kill: () => false,
      stop: () => exited,
      output: () => readBytes(logPath, offset).toString(),
    };
  }
}

class Tracked implements ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly pidFile: string;
  readonly exited: Promise<ExitStatus>;
  readonly #child: ChildProcess;
  readonly #offset: number;
  /** Started detached: it leads a process group of its own, which also holds whatever it started. */
  readonly #leadsGroup: boolean;
  /** Where the log ended when the process exited: a later process of the same name appends after it. */
  #end: number | undefined;

  constructor(name: string, child: ChildProcess, pid: number, logPath: string, offset: number, pidFile: string, leadsGroup: boolean) {
    this.name = name;
    this.pid = pid;
    this.logPath = logPath;
    this.pidFile = pidFile;
    this.#child = child;
    this.#offset = offset;
    this.#leadsGroup = leadsGroup;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        try {
          this.#end = statSync(logPath).size;
        } catch {
          // The log is gone: output() then reads nothing.
        }
        resolve({ code, signal });
      }),
    );
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): boolean {
    if (!this.alive) return false;
    try {
      // A SIGKILLed process cannot pass the signal on: kill its whole group, or a child it started
      // (node --watch runs the app as one) would be left running. Other signals go to the process,
      // which hands them on itself.
      if (signal === 'SIGKILL' && this.#leadsGroup) return process.kill(-this.pid, signal);
      return process.kill(this.pid, signal);
    } catch {
      return false;
    }
  }

  async stop({ signal = 'SIGTERM', timeoutMs = 15_000 }: StopOptions = {}): Promise<ExitStatus> {
    if (this.alive) {
      this.kill(signal);
      // A SIGSTOPped process would hold the signal until continued: continue it so it can act.
      if (signal !== 'SIGKILL') this.kill('SIGCONT');
    }
    const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  output(): string {
    return readBytes(this.logPath, this.#offset, this.#end).toString();
  }
}

/** The bytes of `path` from `offset` up to `end` (its end when omitted); none when it cannot be read. */
export function readBytes(path: string, offset: number, end = Number.POSITIVE_INFINITY): Buffer {
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(Math.max(0, Math.min(fstatSync(fd).size, end) - offset));
      return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, offset));
    } finally {
      closeSync(fd);
    }
  } catch {
    return Buffer.alloc(0);
  }
}

/** The last `lines` lines of `text`, for an error message. */
export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

let signalHooksInstalled = false;

/**
 * On SIGINT, SIGTERM or SIGHUP the process would die without running 'exit' hooks. When nothing
 * else handles the signal, kill every group's children and die of the signal as before; when
 * something else does, it owns the shutdown (and the 'exit' hook still runs if it exits).
 */
function installSignalHooks(): void {
  if (signalHooksInstalled) return;
  signalHooksInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const hook = () => {
      if (process.listenerCount(signal) > 1) return;
      for (const group of liveGroups) group.killAllSync();
      process.off(signal, hook);
      process.kill(process.pid, signal);
    };
    process.on(signal, hook);
  }
}

/** Linux's USER_HZ: /proc times are in these ticks on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** When `pid` started (ms since the epoch), or undefined when no such process is alive. */
export function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return bootSeconds * 1000 + (Number(fields[19]) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** True while `pid` is a live process (not a zombie). */
export function pidAlive(pid: number): boolean {
  return processStartMs(pid) !== undefined;
}

/**
 * SIGKILLs the processes a previous run recorded in `stateDir/pids` and that are still alive, and
 * removes their pid files; returns the PIDs it killed. A pid file is trusted only if its process
 * started before the file was written, so a PID the kernel has since given to another process is
 * left alone. A state folder belongs to one run at a time: this would kill a live run's children.
 */
export function killRecorded(stateDir: string): number[] {
  const pidDir = join(stateDir, 'pids');
  let files: string[];
  try {
    files = readdirSync(pidDir).filter((file) => file.endsWith('.pid'));
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const file of files) {
    const path = join(pidDir, file);
    try {
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      const started = Number.isInteger(pid) && pid > 1 ? processStartMs(pid) : undefined;
      // One second of slack: start times have 10 ms resolution and btime whole seconds.
      if (started !== undefined && started <= statSync(path).mtimeMs + 1000 && pid !== process.pid) {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      }
    } catch {
      // Unreadable file or a process that vanished meanwhile: nothing to kill.
    }
    rmSync(path, { force: true });
  }
  // Bounded: the killed processes are reaped by their (new) parent, usually at once.
  const deadline = Date.now() + 2000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (killed.some(pidAlive) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 10);
  return killed;
}
