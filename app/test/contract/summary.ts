// What a Schemathesis run did, from its NDJSON report: the test cases it sent and the checks it ran
// on their answers, by check and outcome.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ScenarioFinished {
  phase: string;
  /** Without cases and checks for a skipped scenario. */
  recorder: { cases?: Record<string, unknown>; checks?: Record<string, { name: string; status: string }[]> };
}

export interface RunSummary {
  cases: number;
  byPhase: Record<string, number>;
  /** check name → outcome → count */
  checks: Record<string, Record<string, number>>;
}

export function summarise(reportDir: string): RunSummary {
  const file = readdirSync(reportDir).find((name) => name.endsWith('.ndjson'));
  if (file === undefined) throw new Error(`no NDJSON report in ${reportDir}`);
  const cases = new Map<string, string>();
  const checks = new Map<string, { name: string; status: string }[]>();
  for (const line of readFileSync(join(reportDir, file), 'utf8').split('\n')) {
    if (!line.startsWith('{"ScenarioFinished"')) continue;
    const { phase, recorder } = (JSON.parse(line) as { ScenarioFinished: ScenarioFinished }).ScenarioFinished;
    // A scenario is reported again when it ends; its cases and checks are keyed by case id.
    for (const id of Object.keys(recorder.cases ?? {})) cases.set(id, phase);
    for (const [id, results] of Object.entries(recorder.checks ?? {})) checks.set(id, results);
  }
  const summary: RunSummary = { cases: cases.size, byPhase: {}, checks: {} };
  for (const phase of cases.values()) summary.byPhase[phase] = (summary.byPhase[phase] ?? 0) + 1;
  for (const results of checks.values()) {
    for (const { name, status } of results) {
      const outcomes = (summary.checks[name] ??= {});
      outcomes[status] = (outcomes[status] ?? 0) + 1;
    }
  }
  return summary;
}

export function formatSummary({ cases, byPhase, checks }: RunSummary): string {
  const total = Object.values(checks).reduce((sum, outcomes) => sum + Object.values(outcomes).reduce((a, b) => a + b, 0), 0);
  const phases = Object.entries(byPhase).map(([phase, count]) => `${phase} ${count}`).join(', ');
  const rows = Object.entries(checks)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, outcomes]) => `  ${name.padEnd(30)} ${Object.entries(outcomes).map(([status, count]) => `${status} ${count}`).join(', ')}`);
  return [`${cases} test cases (${phases}); ${Object.keys(checks).length} checks, ${total} check runs:`, ...rows].join('\n');
}
