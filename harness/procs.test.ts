import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, test } from 'vitest';
import { killRecorded, pidAlive, ProcessGroup } from './procs.ts';
import { testGroup } from './testing.ts';
import { waitFor } from './wait.ts';

const FIXTURE = new URL('./fixtures/orphans.ts', import.meta.url).pathname;
const stateDirs: string[] = [];
afterAll(() => {
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xwing-procs-'));
  stateDirs.push(dir);
  return dir;
}

/** Runs fixtures/orphans.ts and resolves with the PIDs it started, and its process. */
async function runOrphans(dir: string, mode: 'throw' | 'wait') {
  const child = spawn(process.execPath, [FIXTURE, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    void exited.then(() => reject(new Error(`fixture exited before printing its PIDs:\n${stderr}`)));
  });
  return { pids: JSON.parse(first) as number[], child, exited, stderr: () => stderr };
}

describe('ProcessGroup', () => {
  test('records each child by PID file and log, and stopAll leaves nothing alive', async () => {
    const group = testGroup();
    const echo = group.spawn('echo', 'sh', ['-c', 'echo out; echo err >&2; exec sleep 30']);
    const sleeper = group.spawn('sleeper', 'sleep', ['30']);
    expect(readFileSync(join(group.pidDir, 'sleeper.pid'), 'utf8')).toBe(`${sleeper.pid}\n`);
    await waitFor('output', () => echo.output().includes('err'), { timeoutMs: 2000 });
    expect(echo.output()).toBe('out\nerr\n');
    expect(echo.logPath).toBe(join(group.logDir, 'echo.log'));
    expect(() => group.spawn('sleeper', 'sleep', ['1'])).toThrow(/already running/);

    await group.stopAll();
    for (const proc of [echo, sleeper]) {
      expect(proc.alive).toBe(false);
      expect(pidAlive(proc.pid)).toBe(false);
      expect(existsSync(`/proc/${proc.pid}`)).toBe(false);
    }
    expect(existsSync(join(group.pidDir, 'sleeper.pid'))).toBe(false);
    expect(group.processes).toEqual([]);
  });

  test('two live groups never share a state folder (the second would kill the first one\'s children)', async () => {
    const group = testGroup();
    const sleeper = group.spawn('sleeper', 'sleep', ['30']);
    expect(() => new ProcessGroup(group.stateDir)).toThrow(/belongs to a group with live processes/);
    expect(sleeper.alive).toBe(true);
    await group.stopAll();
    expect(new ProcessGroup(group.stateDir).processes).toEqual([]);
  });

  test('stop() escalates to SIGKILL when the signal is ignored, and continues a stopped process', async () => {
    const group = testGroup();
    const stubborn = group.spawn('stubborn', process.execPath, ['-e', "process.on('SIGTERM', () => console.log('ignored')); setInterval(() => {}, 1000); console.log('up')"]);
    await waitFor('stubborn up', () => stubborn.output().includes('up'), { timeoutMs: 5000 });
    const started = performance.now();
    expect(await stubborn.stop({ timeoutMs: 300 })).toEqual({ code: null, signal: 'SIGKILL' });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(stubborn.output()).toContain('ignored');

    const frozen = group.spawn('frozen', 'sleep', ['30']);
    frozen.kill('SIGSTOP');
    expect(await frozen.stop({ timeoutMs: 5000 })).toEqual({ code: null, signal: 'SIGTERM' });
  });

  test('output() holds only what this process wrote; a restarted name appends to the same log', async () => {
    const group = testGroup();
    const first = group.spawn('app', 'echo', ['first']);
    await first.exited;
    const second = group.spawn('app', 'echo', ['second']);
    await second.exited;
    expect(first.output()).toBe('first\n');
    expect(second.output()).toBe('second\n');
    expect(readFileSync(second.logPath, 'utf8')).toBe('first\nsecond\n');
  });

  test('in a detached group, SIGKILL takes what the child started with it (as node --watch starts the app)', async () => {
    const group = new ProcessGroup(stateDir(), { detached: true });
    const parent = group.spawn('parent', 'sh', ['-c', 'sleep 60 & echo $!; wait']);
    await waitFor('the grandchild started', () => /^\d+$/m.test(parent.output()), { timeoutMs: 5000 });
    const grandchild = Number(/^(\d+)$/m.exec(parent.output())?.[1]);
    expect(pidAlive(grandchild)).toBe(true);
    parent.kill('SIGKILL');
    await parent.exited;
    await waitFor('the grandchild gone', () => !pidAlive(grandchild), { timeoutMs: 5000 });
  });

  test('a command that does not exist exits 127 with the reason in its log', async () => {
    const group = testGroup();
    const missing = group.spawn('missing', 'no-such-command-xwing', []);
    expect(await missing.exited).toEqual({ code: 127, signal: null });
    expect(missing.alive).toBe(false);
    expect(missing.output()).toMatch(/cannot run no-such-command-xwing: .*ENOENT/);
  });

  let leftBehind: number[] = [];
  test.fails('a test that throws (this one, on purpose) ...', async () => {
    const group = testGroup();
    leftBehind = [group.spawn('a', 'sleep', ['30']).pid, group.spawn('b', 'sleep', ['30']).pid];
    throw new Error('the test failed with its processes running');
  });
  test('... leaves none of its processes alive (testGroup stops them when the test ends)', () => {
    expect(leftBehind).toHaveLength(2);
    for (const pid of leftBehind) expect(pidAlive(pid)).toBe(false);
  });

  test('a run that throws kills its children on exit (the exit hook)', async () => {
    const dir = stateDir();
    const run = await runOrphans(dir, 'throw');
    for (const pid of run.pids) expect(pidAlive(pid)).toBe(true);
    expect((await run.exited).code).toBe(1);
    expect(run.stderr()).toContain('the run crashed');
    for (const pid of run.pids) expect(pidAlive(pid)).toBe(false);
    expect(killRecorded(dir)).toEqual([]);
  });

  test('a run stopped by SIGTERM kills its children first (the signal hook)', async () => {
    const run = await runOrphans(stateDir(), 'wait');
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGTERM' });
    for (const pid of run.pids) expect(pidAlive(pid)).toBe(false);
  });

  test('what a SIGKILLed run left behind, the next group on its state folder kills', async () => {
    const dir = stateDir();
    const run = await runOrphans(dir, 'wait');
    run.child.kill('SIGKILL');
    await run.exited;
    // No hook runs on SIGKILL: the orphans live on, recorded in their pid files.
    for (const pid of run.pids) expect(pidAlive(pid)).toBe(true);
    const next = new ProcessGroup(dir);
    for (const pid of run.pids) expect(pidAlive(pid)).toBe(false);
    expect(existsSync(join(next.pidDir, 'sleeper.pid'))).toBe(false);
  });
});
