// make bench-profile: each variant once at saturation under --cpu-prof, and a summary of each
// profile by function and by package (profile.md).
import { join } from 'node:path';
import { summarise } from './cpuprofile-summary.ts';
import type { Results } from './report.ts';
import { measure, type RoundContext } from './round.ts';
import type { Variant } from './variants.ts';

export async function profileVariants(ctx: RoundContext, variants: readonly Variant[], results: Results, log: (message: string) => void): Promise<string> {
  const report: string[] = [];
  const layers: { id: number; cpuUs: number; byLayer: { name: string; share: number }[] }[] = [];
  for (const variant of variants) {
    log(`profiling variant ${variant.id} (${variant.name})`);
    const run = await measure(ctx, variant, 1, undefined);
    const summary = summarise(join(ctx.runDir, 'profiles', `v${variant.id}-r1.cpuprofile`));
    const entry = results.variants[variant.id];
    if (entry) {
      entry.runs.push(run);
      entry.profile = summary;
    }
    layers.push({ id: variant.id, cpuUs: run.saturation.cpuUsPerRequest, byLayer: summary.byLayer });
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
  return [...layerTable(layers), '', ...report].join('\n');
}

/**
 * CPU µs per request of each layer (bench/layers.ts) in every profiled variant: its share of the
 * profile's busy time times the variant's CPU µs per request under the profiler (which adds a few
 * per cent of its own).
 */
function layerTable(layers: { id: number; cpuUs: number; byLayer: { name: string; share: number }[] }[]): string[] {
  const names = [...new Set(layers.flatMap((l) => l.byLayer.map((b) => b.name)))];
  const us = (l: (typeof layers)[number], name: string) => (l.byLayer.find((b) => b.name === name)?.share ?? 0) * l.cpuUs;
  const first = layers[0];
  if (first) names.sort((a, b) => us(first, b) - us(first, a));
  return [
    '## CPU µs per request by layer, at saturation under the profiler',
    '',
    `| layer | ${layers.map((l) => `v${l.id} µs | v${l.id} %`).join(' | ')} |`,
    `|---|${layers.map(() => '---|---|').join('')}`,
    ...names.map((name) => `| ${name} | ${layers.map((l) => `${us(l, name).toFixed(1)} | ${((l.byLayer.find((b) => b.name === name)?.share ?? 0) * 100).toFixed(1)}`).join(' | ')} |`),
    `| total | ${layers.map((l) => `${l.cpuUs.toFixed(1)} | 100`).join(' | ')} |`,
  ];
}
