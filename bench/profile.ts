// make bench-profile: each variant once at saturation under --cpu-prof, and a summary of each
// profile by function and by package (profile.md).
import { join } from 'node:path';
import { summarise } from './cpuprofile-summary.ts';
import type { Results } from './report.ts';
import { measure, type RoundContext } from './round.ts';
import type { Variant } from './variants.ts';

export async function profileVariants(ctx: RoundContext, variants: readonly Variant[], results: Results, log: (message: string) => void): Promise<string> {
  const report: string[] = [];
  for (const variant of variants) {
    log(`profiling variant ${variant.id} (${variant.name})`);
    const run = await measure(ctx, variant, 1, undefined);
    const summary = summarise(join(ctx.runDir, 'profiles', `v${variant.id}-r1.cpuprofile`));
    const entry = results.variants[variant.id];
    if (entry) {
      entry.runs.push(run);
      entry.profile = summary;
    }
    report.push(
      `## variant ${variant.id}: ${variant.name}: ${Math.round(run.saturation.rps)} req/s under the profiler, ${Math.round(run.saturation.cpuUsPerRequest)} µs CPU/req`,
      '',
      '| self, by package | % | inclusive, by package | % | self, by function | % |',
      '|---|---|---|---|---|---|',
      ...summary.selfByFunction.map((f, i) => {
        const p = summary.selfByPackage[i];
        const q = summary.inclusiveByPackage[i];
        return `| ${p?.name ?? ''} | ${p?.percent ?? ''} | ${q?.name ?? ''} | ${q?.percent ?? ''} | ${f.name} | ${f.percent} |`;
      }),
      '',
    );
  }
  return report.join('\n');
}
