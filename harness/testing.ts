// For vitest suites that run processes: a ProcessGroup in a fresh state folder, stopped when the
// test ends however it ends (pass, fail or throw), its folder kept only when the test failed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { APP_ENTRIES } from './app.ts';
import { REPO_ROOT } from './paths.ts';
import { ProcessGroup } from './procs.ts';

export function testGroup(prefix = 'xwing-harness-'): ProcessGroup {
  const stateDir = mkdtempSync(join(tmpdir(), prefix));
  const group = new ProcessGroup(stateDir);
  onTestFinished(async ({ task }) => {
    await group.stopAll({ signal: 'SIGKILL' });
    // A test.fails test that failed as expected counts as passed.
    const passed = (task.result?.state === 'pass') !== (task.fails === true);
    if (passed) rmSync(stateDir, { recursive: true, force: true });
    else process.stderr.write(`harness: state of "${task.name}" kept in ${stateDir}\n`);
  });
  return group;
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/**
 * Builds dist/ (tsc -p tsconfig.build.json) when dist/server.js is missing or older than a file
 * under app/src, so tests of the built server never run a stale build (CI starts without one).
 */
export function ensureBuilt(): void {
  const built = existsSync(APP_ENTRIES.dist) ? statSync(APP_ENTRIES.dist).mtimeMs : 0;
  const sources = Math.max(newestMtime(join(REPO_ROOT, 'app', 'src')), newestMtime(join(REPO_ROOT, 'tsconfig.build.json')));
  if (built >= sources) return;
  try {
    // --noEmitOnError: sources that do not compile leave the last good build in place.
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--noEmitOnError'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`dist/ is older than app/src and the build failed:\n${String(stdout ?? '')}${String(stderr ?? '')}`, { cause: error });
  }
}
