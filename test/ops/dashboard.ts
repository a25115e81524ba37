// The chart's Grafana dashboard as data: its panels' queries, and Grafana's variables replaced by
// the values of a loopback run, so that Prometheus itself can answer every query.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/index.ts';

export const DASHBOARD_PATH = join(REPO_ROOT, 'charts', 'xwing', 'files', 'monitoring', 'dashboard.json');

/**
 * Panels only kube-state-metrics can fill (Deployment and HPA objects): on loopback their queries
 * can only be checked to parse and evaluate. Everything else reads the app's own metrics and must
 * return data.
 */
export const CLUSTER_ONLY_PANELS: readonly string[] = ['Ready pods (kube-state-metrics)', 'HPA replicas (kube-state-metrics)'];

export interface DashboardTarget {
  panel: string;
  refId: string;
  legend: string;
  expr: string;
}

export interface DashboardPanel {
  title: string;
  unit: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: DashboardTarget[];
}

interface RawPanel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { refId: string; expr: string; legendFormat?: string }[];
}

export interface RawVariable {
  name: string;
  type: string;
  query?: string | { query: string };
}

export interface Dashboard {
  /** Row headers, by their place on the grid. */
  rows: { title: string; y: number }[];
  panels: DashboardPanel[];
  variables: RawVariable[];
}

export function loadDashboard(): Dashboard {
  const raw = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels: RawPanel[]; templating: { list: RawVariable[] } };
  const panels = raw.panels
    .filter((p) => p.type !== 'row')
    .map((p) => ({
      title: p.title,
      unit: p.fieldConfig?.defaults?.unit ?? 'none',
      gridPos: p.gridPos,
      targets: (p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId, legend: t.legendFormat ?? '', expr: t.expr })),
    }));
  const rows = raw.panels.filter((p) => p.type === 'row').map((p) => ({ title: p.title, y: p.gridPos.y }));
  return { rows, panels, variables: raw.templating.list };
}

/** Grafana's built-in and dashboard variables, as a loopback run answers them. */
export interface VariableValues {
  namespace: string;
  release: string;
  /** What $__rate_interval stands for: long enough to hold several scrapes. */
  rateInterval: string;
}

export function substitute(expr: string, values: VariableValues): string {
  return expr
    .replaceAll('$__rate_interval', values.rateInterval)
    .replaceAll('$namespace', values.namespace)
    .replaceAll('$release', values.release);
}

/** Grafana's `label_values(<selector>, <label>)` of a query variable, as [selector, label]. */
export function labelValuesQuery(variable: RawVariable): [string, string] {
  const text = typeof variable.query === 'string' ? variable.query : variable.query?.query ?? '';
  const match = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(text.trim());
  if (!match?.[1] || !match[2]) throw new Error(`variable ${variable.name}: ${JSON.stringify(text)} is not label_values(selector, label)`);
  return [match[1], match[2]];
}
