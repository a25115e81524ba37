// make bench / bench-smoke / bench-profile: every variant in turn on loopback, the same Node, the
// same Redis, the same generator settings. The app runs on one CPU (BENCH_APP_CPU), this process,
// the wrk generator and every Redis process on another (BENCH_LOAD_CPU), so neither steals cycles
// from the app being measured. Writes results.json and results.md (profile.md when profiling) into
// results/<utc>-bench[-smoke|-profile]/ with the logs of every process, and prints the table.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRunDir, ProcessGroup, startRedis, startReplicated } from '../harness/index.ts';
import { coldStarts } from './cold-start.ts';
import { commitOf, imageRuntimeEnv, imageSize, loadAverage, machine, pinSelf } from './machine.ts';
import { profileVariants } from './profile.ts';
import { report, summarise, type Results } from './report.ts';
import { measure, type RoundContext, type Run } from './round.ts';
import { CALIBRATION_VARIANT, readSettings, runKind, xwingEntry } from './settings.ts';
import { defineVariants, xwingEnv, type Variant } from './variants.ts';

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const settings = readSettings(process.env);
if (!existsSync(xwingEntry(settings))) throw new Error(`${xwingEntry(settings)} is missing: run make build`);
pinSelf(settings, log);
const host = machine(settings);
const runDir = createRunDir(runKind(settings), settings.resultsRoot ? { root: settings.resultsRoot } : {});
const group = new ProcessGroup(runDir);
// Redis's data (append-only files) is scratch: removed after a run that ends normally.
const data = join(runDir, 'redis-data');
const write = (file: string, text: string) => writeFileSync(join(runDir, file), text.endsWith('\n') ? text : `${text}\n`);

try {
  const redis = await startRedis(group, { name: 'redis', dir: join(data, 'standalone') });
  const replicated = settings.variants.includes(7) ? await startReplicated(group, { name: 'sentinel', dir: join(data, 'replicated') }) : undefined;
  const imageEnv = imageRuntimeEnv(settings.xwingRoot);
  const variantContext = { settings, group, redis, replicated, imageEnv };
  const variants = defineVariants(variantContext);
  const selected = settings.variants.map((id) => variants.get(id)).filter((v): v is Variant => v !== undefined);
  const ctx: RoundContext = { settings, group, runDir };
  const results: Results = {
    startedAt: new Date().toISOString(),
    settings: { ...settings, xwingImageEnv: imageEnv },
    machine: host,
    xwingRoot: settings.xwingRoot,
    xwingCommit: commitOf(settings.xwingRoot),
    variants: Object.fromEntries(selected.map((v) => [v.id, { name: v.name, runs: [] }])),
  };

  if (settings.profiling) {
    const text = await profileVariants(ctx, selected, results, log);
    write('results.json', JSON.stringify(results, null, 2));
    write('profile.md', text);
    process.stdout.write(`\n${text}\nbench: profiles and summaries in ${runDir}\n`);
  } else {
    let failed = false;
    let rate = settings.fixedRate;
    const calibrated = variants.get(CALIBRATION_VARIANT);
    if (!rate && calibrated) {
      // One calibration run of xwing's hot route sets the fixed rate, the same for every variant: half
      // of what xwing itself sustains, a load it is meant to serve with room to spare. (Half of bare
      // Express's saturation, the earlier rate, was above xwing's own: its p99 then measured a queue.)
      log(`calibration: variant ${CALIBRATION_VARIANT} at saturation`);
      const calibration = await measure(ctx, calibrated, 0, undefined);
      if (calibration.saturation.failures > 0) throw new Error(`variant ${CALIBRATION_VARIANT} served errors during calibration`);
      rate = Math.max(100, Math.round(calibration.saturation.rps / 2 / 100) * 100);
      results.settings.fixedRate = rate;
      results.settings.fixedRateFrom = `half of a variant-${CALIBRATION_VARIANT} calibration run (${Math.round(calibration.saturation.rps)} req/s), rounded to 100`;
    }

    for (let round = 1; round <= settings.rounds; round++) {
      for (const variant of selected) {
        log(`round ${round}/${settings.rounds}: variant ${variant.id} (${variant.name})${rate ? `, fixed rate ${rate}/s` : ''}`);
        let run: Run;
        try {
          run = await measure(ctx, variant, round, rate);
        } catch (error) {
          failed = true;
          log(`variant ${variant.id} failed: ${(error as Error).message}`);
          results.variants[variant.id]?.runs.push({ round, error: (error as Error).message });
          continue;
        }
        results.variants[variant.id]?.runs.push(run);
        const s = run.saturation;
        const bad = s.failures + (run.fixed?.failures ?? 0);
        if (bad > 0) {
          failed = true;
          log(`variant ${variant.id}: ${bad} failed requests (non-2xx ${s.non2xx}, errors ${s.errors}, timeouts ${s.timeouts})`);
        }
        if (variant.logs && run.logBytes < s.rps * settings.durationSeconds * 100) {
          failed = true;
          log(`variant ${variant.id}: only ${run.logBytes} bytes of logs for ${Math.round(s.rps * settings.durationSeconds)} requests; is it logging?`);
        }
        const redisNote = run.redis ? `; Redis commands sent per request ${run.redis.sent.reduce((sum, c) => sum + c.perRequest, 0).toFixed(3)}` : '';
        log(`  ${Math.round(s.rps)} req/s at saturation${run.fixed ? `; at ${rate}/s p50 ${run.fixed.p50Ms} ms p99 ${run.fixed.p99Ms} ms` : ''}; peak RSS ${run.peakRssMb} MB${redisNote}`);
      }
    }

    const cold = await coldStarts({ group, entry: xwingEntry(settings), env: xwingEnv(variantContext, { REDIS_URL: redis.url }), appCpu: settings.appCpu }, settings.coldStarts, log);
    failed ||= cold.failed;
    results.coldStart = { uncached: cold.uncached, cached: cold.cached };
    results.image = imageSize(settings);
    results.finishedAt = new Date().toISOString();
    results.loadAverageAtEnd = loadAverage();
    const table = report(results, summarise(results), rate);
    results.failed = failed;
    write('results.json', JSON.stringify(results, null, 2));
    write('results.md', table);
    process.stdout.write(`\n${table}\n\nbench: results in ${runDir}\n`);
    if (failed) {
      log('FAILED: a variant did not start, served errors or did not log; see above');
      process.exitCode = 1;
    }
  }
} finally {
  await group.stopAll({ timeoutMs: 5000 });
  rmSync(data, { recursive: true, force: true });
}
