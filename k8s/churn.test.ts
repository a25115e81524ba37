// k8s/churn.sh against a stand-in kubectl that records what it is asked: the loop deletes one running,
// non-terminating pod per round, stays in its namespace, stops on time, restarts the rollout when
// asked, and refuses bad arguments. (make churn drives the same deletions on the real cluster.)
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../harness/paths.ts';

const STUB = `#!/usr/bin/env bash
echo "$*" >>"$STUB_DIR/calls"
args=" $* "
pod() { printf '{"metadata":{"name":"%s"%s},"status":{"phase":"%s","conditions":[{"type":"Ready","status":"%s"}]}}' "$@"; }
case "$args" in
  *" delete pod "*) echo "\${args#* delete pod }" | cut -d' ' -f1 >>"$STUB_DIR/deleted" ;;
  *" get pods "*)
    if [ "\${STUB_PODS:-yes}" = yes ]; then
      printf '{"items":[%s,%s,%s,%s]}' "$(pod xw-a '' Running True)" "$(pod xw-b '' Pending False)" \\
        "$(pod xw-c ',"deletionTimestamp":"2026-01-01T00:00:00Z"' Running True)" "$(pod xw-d '' Succeeded False)"
    else echo '{"items":[]}'; fi ;;
  *" get deployment "*) echo '{"items":[{"metadata":{"name":"xw"}}]}' ;;
esac
`;

function churn(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'xwing-churn-'));
  writeFileSync(join(dir, 'kubectl'), STUB);
  chmodSync(join(dir, 'kubectl'), 0o755);
  const started = performance.now();
  const result = spawnSync(join(REPO_ROOT, 'k8s', 'churn.sh'), args, {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, STUB_DIR: dir, CHURN_MIN_INTERVAL_S: '1', ...env },
  });
  const lines = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').trim().split('\n') : []);
  return { ...result, seconds: (performance.now() - started) / 1000, calls: lines('calls'), deleted: lines('deleted') };
}

test('one running, non-terminating API pod of the release is deleted per round, in its namespace, on time', () => {
  const run = churn(['-n', 'demo', '-r', 'xw', '-i', '1', '-d', '3', '-R']);
  expect(run.status, run.stderr).toBe(0);
  expect(run.deleted).toHaveLength(3);
  // xw-a is the only pod that runs and is not being deleted.
  expect(run.deleted).toEqual(['xw-a', 'xw-a', 'xw-a']);
  // Three rounds a second apart, then the restart: not a round more.
  expect(run.seconds).toBeLessThan(8);
  expect(run.calls.every((call) => call.includes('--namespace demo'))).toBe(true);
  expect(run.calls.some((call) => call.includes('-l app.kubernetes.io/instance=xw,app.kubernetes.io/component=api'))).toBe(true);
  expect(run.calls.some((call) => call.includes('rollout restart deployment/xw'))).toBe(true);
  expect(run.stdout).toContain('done: 3 pods deleted, 1 ready');
});

test.each([
  [['-i', '0', '-d', '3'], 'interval below the floor'],
  [['-i', '1', '-d', '7200'], 'more than an hour'],
  [['-i', '5', '-d', '3'], 'a duration shorter than the interval'],
  [['-i', 'x'], 'an interval that is not whole seconds'],
  [['--bogus'], 'an unknown option'],
])('refuses %j (%s) with its usage and exit 2', (args) => {
  const run = churn(args);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('k8s/churn.sh [-n NAMESPACE]');
  expect(run.deleted).toEqual([]);
});

test('stops with exit 1 when no pod matches', () => {
  const run = churn(['-i', '1', '-d', '1'], { STUB_PODS: 'no' });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('no pods match');
  expect(run.deleted).toEqual([]);
});
