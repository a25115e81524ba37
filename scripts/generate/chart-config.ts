// Writes the chart's `config` section of values.schema.json, its `config:` block of values.yaml
// and the root README's configuration table from the app's zod config schema; with --check,
// writes nothing and exits 1 when a committed file differs from what the code produces.
// Usage: node scripts/generate/chart-config.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { configSchema } from '../../app/src/config.ts';
import { REPO_ROOT } from '../../harness/paths.ts';
import { chartSettings, type ChartSetting } from './chart-settings.ts';
import { readmeConfigTable, spliceReadmeTable } from './readme-config.ts';
import { spliceConfigBlock, valuesConfigBlock } from './values-config.ts';

const CHART = join(REPO_ROOT, 'charts', 'xwing');

/** Settings the chart's templates set themselves, with where each comes from: `config` omits them. */
const CHART_SET: Readonly<Record<string, string>> = {
  PORT: 'containerPort',
  METRICS_PORT: 'metrics.port',
  REDIS_URL: 'redis, externalRedis',
  REDIS_PASSWORD: 'the Redis Secret',
  REDIS_SENTINELS: 'redis.architecture=replication',
  REDIS_SENTINEL_NAME: 'redis.sentinel.masterName',
  POD_NAME: 'the pod name',
  BUILD_COMMIT: 'the image',
};

/** What a setting means for the chart beyond the app's own description. */
const CHART_NOTES: Readonly<Record<string, string>> = {
  ALLOW_REGISTRATION: '`helm test` registers a user, so it needs this on.',
  SHUTDOWN_DELAY_MS: 'With SHUTDOWN_TIMEOUT_MS it sets the default terminationGracePeriodSeconds.',
  SHUTDOWN_TIMEOUT_MS: 'With SHUTDOWN_DELAY_MS it sets the default terminationGracePeriodSeconds.',
};

function schemaFile(current: string, settings: ChartSetting[]): string {
  const schema = JSON.parse(current) as { properties: Record<string, unknown> };
  if (!('config' in schema.properties)) throw new Error('values.schema.json has no `config` property');
  schema.properties.config = {
    type: 'object',
    additionalProperties: false,
    description: 'Application settings (generated from app/src/config.ts by make generate); null keeps the app default.',
    properties: Object.fromEntries(settings.map((setting) => [setting.key, setting.schema])),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function firstDifference(current: string, wanted: string): string {
  const have = current.split('\n');
  const want = wanted.split('\n');
  const line = want.findIndex((text, index) => text !== have[index]);
  const at = line < 0 ? want.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(have[at] ?? '(end of file)')}, generated ${JSON.stringify(want[at] ?? '(end of file)')}`;
}

function main(check: boolean): number {
  const settings = chartSettings(configSchema, CHART_SET, CHART_NOTES);
  const targets = [
    { path: join(CHART, 'values.schema.json'), produce: (text: string) => schemaFile(text, settings) },
    { path: join(CHART, 'values.yaml'), produce: (text: string) => spliceConfigBlock(text, valuesConfigBlock(settings, CHART_SET)) },
    { path: join(REPO_ROOT, 'README.md'), produce: (text: string) => spliceReadmeTable(text, readmeConfigTable(configSchema)) },
  ];
  let stale = 0;
  for (const { path, produce } of targets) {
    const current = readFileSync(path, 'utf8');
    const wanted = produce(current);
    const name = relative(REPO_ROOT, path);
    if (wanted === current) {
      console.log(`${name}: current`);
    } else if (check) {
      stale++;
      console.error(`${name}: differs from what app/src/config.ts produces; run \`make generate\` and commit the result`);
      console.error(`  first difference at ${firstDifference(current, wanted)}`);
    } else {
      writeFileSync(path, wanted);
      console.log(`${name}: written`);
    }
  }
  return stale === 0 ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.includes('--check'));
} catch (error) {
  // A setting the generator cannot carry into the chart is a message for whoever edits config.ts.
  console.error(`chart-config: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
