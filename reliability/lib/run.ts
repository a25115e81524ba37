// One run of the suite or the soak: the tools it needs, its process group (whose state folder
// outlives a crashed run, so the next run kills what it left), its results folder and event log.
import { accessSync, constants, cpSync, existsSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { APP_ENTRIES, createRunDir, EventLog, killRecorded, ProcessGroup, REPO_ROOT } from '../../harness/index.ts';
import { canManageNamespaces } from './netns.ts';

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Fails with what to do when a tool, the Node version, the build or the privileges are missing. */
export function preflight({ netns, entry }: { netns: boolean; entry: string }): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) throw new Error(`node ${process.versions.node}; the project runs on Node 24 (run through make)`);
  const tools = ['redis-server', 'prlimit', ...(netns ? ['ip', 'iptables'] : [])];
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length) throw new Error(`${missing.join(', ')} not found (make reliability-deps installs them)`);
  if (entry === 'dist' && !existsSync(APP_ENTRIES.dist)) throw new Error(`${APP_ENTRIES.dist} missing (make build)`);
  if (netns && !canManageNamespaces()) throw new Error('the connection faults need root or password-less sudo for ip netns and iptables');
}

export interface Run {
  group: ProcessGroup;
  events: EventLog;
  runDir: string;
  stateDir: string;
  /** Copies the process logs into the run folder. */
  finish: () => void;
}

/**
 * On SIGINT or SIGTERM the run exits, so that the 'exit' hooks run: the process group's kills its
 * children, a network namespace's removes it.
 */
function exitOnSignals(): void {
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}

export function openRun(kind: 'faults' | 'soak'): Run {
  const stateDir = process.env.RELIABILITY_STATE ?? join(REPO_ROOT, '.run', 'reliability', kind);
  killRecorded(stateDir);
  rmSync(stateDir, { recursive: true, force: true });
  const group = new ProcessGroup(stateDir);
  const runDir = createRunDir(`reliability-${kind}`);
  const events = new EventLog(runDir);
  exitOnSignals();
  return {
    group,
    events,
    runDir,
    stateDir,
    finish: () => cpSync(group.logDir, join(runDir, 'logs'), { recursive: true }),
  };
}
