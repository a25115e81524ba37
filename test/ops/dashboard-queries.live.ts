// Every query of the chart's Grafana dashboard, evaluated by a real Prometheus that scraped two real
// app processes under load: a renamed metric, a wrong label or a PromQL typo fails here. Run by
// `make test-dashboard` (test/ops/vitest.config.ts), after `make test-rules` wrote the chart's
// rendered rules, which the same Prometheus evaluates.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../harness/testing.ts';
import { ProcessGroup, sleep } from '../../harness/index.ts';
import { CLUSTER_ONLY_PANELS, labelValuesQuery, loadDashboard, substitute, type VariableValues } from './dashboard.ts';
import { driveTraffic, RELEASE, RULES_FILE, startOpsStack, type OpsStack, type TrafficSummary } from './stack.ts';

const VALUES: VariableValues = { namespace: RELEASE.namespace, release: RELEASE.service, rateInterval: '30s' };
const dashboard = loadDashboard();
const targets = dashboard.panels.flatMap((panel) => panel.targets);
const appTargets = targets.filter((t) => !CLUSTER_ONLY_PANELS.includes(t.panel));
const clusterTargets = targets.filter((t) => CLUSTER_ONLY_PANELS.includes(t.panel));

describe('the Grafana dashboard against a live Prometheus', () => {
  let stateDir: string | undefined;
  let group: ProcessGroup | undefined;
  let stack: OpsStack;
  let traffic: TrafficSummary;
  let passed = true;

  beforeAll(async () => {
    if (!existsSync(RULES_FILE)) throw new Error(`${RULES_FILE} is missing: run make test-rules first`);
    ensureBuilt();
    stateDir = mkdtempSync(join(tmpdir(), 'xwing-ops-'));
    group = new ProcessGroup(stateDir);
    try {
      stack = await startOpsStack(group, stateDir);
      traffic = await driveTraffic(stack, { durationMs: 16_000, rate: 40, stallAtMs: 8000, stallMs: 1500 });
      // Two more scrapes, so that the last requests are in Prometheus.
      await sleep(2500);
    } catch (error) {
      passed = false;
      throw error;
    }
  }, 120_000);

  afterAll(async () => {
    await group?.stopAll({ signal: 'SIGKILL' });
    if (stateDir === undefined) return;
    if (passed) rmSync(stateDir, { recursive: true, force: true });
    else process.stderr.write(`ops: state kept in ${stateDir}\n`);
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      passed = false;
    });
  });

  it('drove the traffic every panel needs: successes, 5xx during the Redis stall, 401, 404 and 429', () => {
    const statuses = new Set([...traffic.records.map((r) => r.status), ...Object.keys(traffic.refusals).map(Number)]);
    for (const status of [200, 401, 404, 429, 503]) expect(statuses, `status ${status} seen`).toContain(status);
  });

  it('lists every panel it checks, and the cluster-only ones exist', () => {
    expect(appTargets.length).toBeGreaterThan(15);
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of CLUSTER_ONLY_PANELS) expect(titles).toContain(title);
    for (const t of clusterTargets) expect(t.expr, `${t.panel} ${t.refId} reads kube-state-metrics`).toMatch(/\bkube_[a-z_]+\{/);
    for (const panel of dashboard.panels) expect(panel.targets.length, `${panel.title} has queries`).toBeGreaterThan(0);
  });

  // Cluster-only panels: the query parses and evaluates; every other one also returns data.
  it.each(targets.map((t) => [`${t.panel} [${t.refId} ${t.legend}]`, t] as const))('%s', async (_, target) => {
      const answer = await stack.prometheus.query(substitute(target.expr, VALUES));
      expect(answer.error, target.expr).toBeUndefined();
      expect(answer.status).toBe('success');
      if (CLUSTER_ONLY_PANELS.includes(target.panel)) return;
      const numbers = (answer.data?.result ?? []).map((s) => Number(s.value?.[1]));
      expect(numbers.length, `no series for ${target.expr}`).toBeGreaterThan(0);
      expect(numbers.some((v) => Number.isFinite(v)), `only NaN for ${target.expr}`).toBe(true);
  });

  it('a PromQL typo is refused by the same API (so the checks above can fail)', async () => {
    const answer = await stack.prometheus.query('sum(rate(http_request_duration_seconds_count[30s])');
    expect(answer.status).toBe('error');
    expect(answer.errorType).toBe('bad_data');
  });

  it("the namespace and release variables find the run's namespace and release", async () => {
    const byName = new Map(dashboard.variables.map((v) => [v.name, v]));
    expect(byName.get('datasource')?.type).toBe('datasource');
    const namespace = byName.get('namespace');
    const release = byName.get('release');
    if (!namespace || !release) throw new Error('the dashboard lacks the namespace or release variable');
    const [nsSelector, nsLabel] = labelValuesQuery(namespace);
    expect(await stack.prometheus.labelValues(nsLabel, substitute(nsSelector, VALUES))).toContain(VALUES.namespace);
    const [relSelector, relLabel] = labelValuesQuery(release);
    expect(relSelector).toContain('$namespace');
    expect(await stack.prometheus.labelValues(relLabel, substitute(relSelector, VALUES))).toContain(VALUES.release);
  });

  it("the chart's recording rules select the app's real series", async () => {
    for (const record of ['xwing:http_requests_failed:ratio_rate5m', 'xwing:http_requests_slow:ratio_rate5m']) {
      const answer = await stack.prometheus.query(`${record}{namespace="${VALUES.namespace}", job="${VALUES.release}"}`);
      const values = (answer.data?.result ?? []).map((s) => Number(s.value?.[1]));
      expect(values.length, `${record} has a series`).toBe(1);
      expect(values[0], `${record} is a ratio`).toBeGreaterThanOrEqual(0);
      expect(values[0], `${record} is a ratio`).toBeLessThanOrEqual(1);
    }
    const failed = await stack.prometheus.query(`xwing:http_requests_failed:ratio_rate5m{namespace="${VALUES.namespace}"}`);
    expect(Number(failed.data?.result[0]?.value?.[1]), 'the Redis stall failed some requests').toBeGreaterThan(0);
  });
});
