// The frame of a load run (the fleet's, the cluster's): a fresh process group and run folder, then its
// body, and at the end its report, rendered from the run folder, and an exit status that says what
// failed first: k6 (99 when a threshold failed), else the run's own checks (a chaos plan that did not
// happen proves nothing), else the report.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRunDir, EventLog, killRecorded, log, ProcessGroup, REPO_ROOT } from '../harness/index.ts';

/** Marks one event of the run: `{event, target, detail}` in its events.jsonl, which the report draws. */
export type Note = (event: string, target: string, detail?: string) => void;

/** The run's event log, and which events happened, for the checks that the plan was carried out. */
export function runNotes(runDir: string): { note: Note; seen: ReadonlySet<string> } {
  const events = new EventLog(runDir);
  const seen = new Set<string>();
  const note: Note = (event, target, detail = '') => {
    events.event(event, { target, detail });
    seen.add(event);
    log(`event ${event} ${target} ${detail}`);
  };
  return { note, seen };
}

/** The events of `required` that never happened, as problems. */
export function missingEvents(seen: ReadonlySet<string>, required: readonly string[]): string[] {
  return required.filter((event) => !seen.has(event)).map((event) => `chaos plan incomplete: no ${event} event`);
}

export async function verdict(group: ProcessGroup, runDir: string, k6Code: number, problems: readonly string[]): Promise<number> {
  const report = group.spawn('report', process.execPath, [join(REPO_ROOT, 'loadtest', 'report', 'report.ts'), runDir]);
  const reportExit = await report.exited;
  process.stdout.write(report.output());
  for (const problem of problems) log(problem);
  if (k6Code !== 0) {
    log(`k6 failed (exit ${k6Code}: 99 means a threshold failed)`);
    return k6Code;
  }
  if (problems.length > 0) return 1;
  return reportExit.code ?? 1;
}

export type LoadRun = { group: ProcessGroup; runDir: string } & ReturnType<typeof runNotes>;

/** A whole load run: a fresh ProcessGroup in `stateDir`, the run folder, `body` (a throw is exit 1), then the verdict. */
export async function loadRun(stateDir: string, kind: string, body: (run: LoadRun) => Promise<{ k6: number; problems: string[] }>): Promise<number> {
  // A previous run that was SIGKILLed could run no hook: its processes go before its folder does.
  killRecorded(stateDir);
  rmSync(stateDir, { recursive: true, force: true });
  const group = new ProcessGroup(stateDir);
  const runDir = createRunDir(kind);
  log(`run folder ${runDir}`);
  let result: { k6: number; problems: string[] };
  try {
    result = await body({ group, runDir, ...runNotes(runDir) });
  } catch (error) {
    log(`error: ${(error as Error).message}`);
    return 1;
  } finally {
    await group.stopAll();
    log('every process stopped');
  }
  return verdict(group, runDir, result.k6, result.problems);
}
