// A real Prometheus server (the pinned build in .tools/bin) on loopback, scraping app processes with
// the labels the chart's ServiceMonitor gives them, and its HTTP API for queries.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, REPO_ROOT, StopWaiting, waitFor, type ProcessGroup } from '../../harness/index.ts';

export const PROMETHEUS_BIN = join(REPO_ROOT, '.tools', 'bin', 'prometheus');

/** A pod as Prometheus Operator labels its scrape target: the target's `pod` label. */
export interface ScrapeTarget {
  pod: string;
  /** host:port of the pod's /metrics listener. */
  address: string;
}

/**
 * Labels of a ServiceMonitor scrape of the chart's Service `<release>` in `<namespace>`: Prometheus
 * Operator sets namespace, service, pod, container and endpoint from the Endpoints, and job from the
 * Service's name.
 */
export interface ReleaseLabels {
  namespace: string;
  service: string;
  container: string;
  endpoint: string;
}

export interface PrometheusOptions {
  dir: string;
  targets: readonly ScrapeTarget[];
  release: ReleaseLabels;
  scrapeIntervalSeconds: number;
  /** Rule files (`groups:` documents) evaluated every scrape interval. */
  ruleFiles: readonly string[];
}

export interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** The API's answer: `data` on success, `error` (a parse error, say) otherwise. */
export interface QueryAnswer {
  status: 'success' | 'error';
  data?: { resultType: string; result: Sample[] };
  errorType?: string;
  error?: string;
}

export interface PrometheusServer {
  query(expr: string): Promise<QueryAnswer>;
  queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<QueryAnswer>;
  /** Values of `label` on the series `match` selects (the API behind Grafana's label_values()). */
  labelValues(label: string, match: string): Promise<string[]>;
  /** Resolves once every target has been scraped successfully at least once. */
  waitForTargets(timeoutMs: number): Promise<void>;
}

function configYaml(options: PrometheusOptions): string {
  const interval = `${options.scrapeIntervalSeconds}s`;
  const { namespace, service, container, endpoint } = options.release;
  const lines = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'rule_files:',
    ...options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`),
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(service)}`,
    '    static_configs:',
    ...options.targets.flatMap((t) => [
      `      - targets: [${JSON.stringify(t.address)}]`,
      `        labels: ${JSON.stringify({ namespace, service, pod: t.pod, container, endpoint })}`,
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as T;
}

export async function startPrometheus(group: ProcessGroup, options: PrometheusOptions): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} is missing: run make prometheus-tools`);
  mkdirSync(join(options.dir, 'data'), { recursive: true });
  const configPath = join(options.dir, 'prometheus.yml');
  writeFileSync(configPath, configYaml(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = group.spawn('prometheus', PROMETHEUS_BIN, [
    `--config.file=${configPath}`,
    `--storage.tsdb.path=${join(options.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  await waitFor(
    `prometheus ready on ${url}`,
    async () => {
      if (!proc.alive) throw new StopWaiting(`prometheus exited at start; ${proc.logPath}:\n${proc.output()}`);
      return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).status === 200;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );

  const api = (path: string, params: Record<string, string>) => `${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`;
  return {
    query: (expr) => getJson(api('query', { query: expr })),
    queryRange: (expr, start, end, step) => getJson(api('query_range', { query: expr, start: String(start), end: String(end), step: String(step) })),
    labelValues: async (label, match) => {
      const answer = await getJson<{ status: string; data?: string[]; error?: string }>(api(`label/${encodeURIComponent(label)}/values`, { 'match[]': match }));
      if (answer.status !== 'success') throw new Error(`label_values(${match}, ${label}): ${answer.error ?? answer.status}`);
      return answer.data ?? [];
    },
    waitForTargets: async (timeoutMs) => {
      await waitFor(
        `prometheus scraping ${options.targets.length} targets`,
        async () => {
          const answer = await getJson<{ data: { activeTargets: { health: string }[] } }>(`${url}/api/v1/targets?state=active`);
          const up = answer.data.activeTargets.filter((t) => t.health === 'up').length;
          return up === options.targets.length;
        },
        { timeoutMs, intervalMs: 250 },
      );
    },
  };
}
