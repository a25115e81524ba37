// Usage: node test/ops/picture.ts OUT.svg OUT.png
// The dashboard as a picture, for README: the loopback stack of the dashboard test under two minutes
// of load with a Redis stall, then every panel's queries as Prometheus range queries, drawn with
// panels-svg.ts and converted with rsvg-convert. Grafana itself is not built here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { APP_ENTRIES, ProcessGroup, sleep } from '../../harness/index.ts';
import { CLUSTER_ONLY_PANELS, loadDashboard, substitute, type VariableValues } from './dashboard.ts';
import { renderDashboardSvg, type PanelData } from './panels-svg.ts';
import { driveTraffic, PODS, RELEASE, RULES_FILE, startOpsStack } from './stack.ts';

const [svgPath, pngPath] = process.argv.slice(2);
if (!svgPath || !pngPath) throw new Error('usage: picture.ts OUT.svg OUT.png');
if (!existsSync(APP_ENTRIES.dist)) throw new Error(`${APP_ENTRIES.dist} is missing: run make build`);
if (!existsSync(RULES_FILE)) throw new Error(`${RULES_FILE} is missing: run make test-rules`);

const LOAD = { durationMs: 120_000, rate: 50, stallAtMs: 70_000, stallMs: 3000 };
const STEP_SECONDS = 2;
const values: VariableValues = { namespace: RELEASE.namespace, release: RELEASE.service, rateInterval: '10s' };

const stateDir = mkdtempSync(join(tmpdir(), 'xwing-ops-picture-'));
const group = new ProcessGroup(stateDir);
try {
  const stack = await startOpsStack(group, stateDir);
  const start = Date.now() / 1000;
  const traffic = await driveTraffic(stack, LOAD);
  await sleep(3000);
  const end = Date.now() / 1000;
  const range = { start: Math.floor(start), end: Math.ceil(end), stepSeconds: STEP_SECONDS };

  const dashboard = loadDashboard();
  const panels: PanelData[] = [];
  for (const panel of dashboard.panels) {
    if (CLUSTER_ONLY_PANELS.includes(panel.title)) {
      panels.push({ panel, series: [], note: 'kube-state-metrics only: no Deployment or HPA on loopback' });
      continue;
    }
    const series = [];
    for (const target of panel.targets) {
      const answer = await stack.prometheus.queryRange(substitute(target.expr, values), range.start, range.end, STEP_SECONDS);
      if (answer.status !== 'success') throw new Error(`${panel.title}: ${answer.error ?? answer.status}`);
      for (const sample of answer.data?.result ?? []) {
        const legend = target.legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label: string) => sample.metric[label] ?? '');
        const points = (sample.values ?? []).map(([t, v]): [number, number] => [t, Number(v)]).filter(([, v]) => Number.isFinite(v));
        series.push({ legend, points });
      }
    }
    panels.push({ panel, series });
  }

  const requests = traffic.records.length + Object.values(traffic.refusals).reduce((a, b) => a + b, 0);
  const subtitle =
    `The panels of charts/xwing/files/monitoring/dashboard.json, each query run by Prometheus 3.16 over a loopback run: ` +
    `${PODS.length} app processes, ${requests} requests in ${LOAD.durationMs / 1000} s (${LOAD.rate}/s of API load plus refused ones), ` +
    `Redis stopped for ${LOAD.stallMs / 1000} s at ${LOAD.stallAtMs / 1000} s. Drawn without Grafana.`;
  const svg = renderDashboardSvg(dashboard, panels, range, 'xwing dashboard', subtitle);
  mkdirSync(dirname(svgPath), { recursive: true });
  writeFileSync(svgPath, svg);
  const png = spawnSync('rsvg-convert', ['--format=png', '--output', pngPath, svgPath], { stdio: 'inherit' });
  if (png.error || png.status !== 0) throw new Error(`rsvg-convert failed: ${png.error?.message ?? `exit ${png.status}`}`);
  console.log(`dashboard picture: ${pngPath} (${panels.length} panels, ${requests} requests)`);
} finally {
  await group.stopAll({ signal: 'SIGKILL' });
  rmSync(stateDir, { recursive: true, force: true });
}
