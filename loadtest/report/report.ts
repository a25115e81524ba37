#!/usr/bin/env node
// node loadtest/report/report.ts RUN_DIR
// Writes RUN_DIR/report.html (self-contained: inline SVG, no external asset), report.svg, report.png
// (rsvg-convert) and summary.md, and prints the summary. Exit 1 when the run's thresholds failed,
// 2 when the run folder cannot be reported.
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, join, resolve } from 'node:path';
import { renderSvg } from './chart.ts';
import { loadRun, readJson } from './data.ts';
import { html } from './html.ts';
import { markdown, verdictOf } from './summary.ts';
import type { Run, RunMeta } from './types.ts';

async function main(): Promise<number> {
  const arg = process.argv[2];
  if (!arg) {
    console.error('usage: report.ts RUN_DIR');
    return 2;
  }
  const runDir = resolve(arg);
  const loaded = await loadRun(runDir);
  const m = (readJson(join(runDir, 'run.json')) ?? {}) as RunMeta;
  const kind = m.kind || 'fleet';
  const run: Run = {
    ...loaded,
    runId: basename(runDir),
    kind,
    kindLabel: m.label || kind,
    peakAnswering: Math.max(0, ...loaded.series.map((b) => b.answering)),
  };

  const verdict = verdictOf(run);
  const svg = renderSvg(run, verdict);
  const md = markdown(run, verdict);
  writeFileSync(join(runDir, 'report.svg'), svg);
  writeFileSync(join(runDir, 'summary.md'), md);
  writeFileSync(join(runDir, 'report.html'), html(run, verdict, svg, md));

  const png = spawnSync('rsvg-convert', ['--format=png', '--zoom=1.5', '--output', join(runDir, 'report.png'), join(runDir, 'report.svg')], { stdio: 'inherit' });
  if (png.error || png.status !== 0) {
    console.error(`report.png not written: rsvg-convert ${png.error ? png.error.message : `exit ${String(png.status)}`} (make system-deps installs librsvg2-bin)`);
    return 2;
  }
  process.stdout.write(md);
  console.log(`\nreport: ${join(runDir, 'report.html')}\nchart:  ${join(runDir, 'report.png')}`);
  return verdict.passed ? 0 : 1;
}

process.exit(
  await main().catch((err: unknown) => {
    console.error(`report: ${(err as Error).message}`);
    return 2;
  }),
);
