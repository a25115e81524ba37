import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { startApp } from './app.ts';
import { ApiClient } from './client.ts';
import { LoadGenerator } from './load.ts';
import { pidAlive } from './procs.ts';
import { startRedis } from './redis.ts';
import { createRunDir, EventLog } from './results.ts';
import { ensureBuilt, testGroup } from './testing.ts';

const PASSWORD = 'harness app test password';

beforeAll(ensureBuilt, 60_000);

describe('startApp + ApiClient against dist/server.js', () => {
  test('register, login, session, logout against the built server on a standalone Redis', async () => {
    const group = testGroup();
    const redis = await startRedis(group, { name: 'redis', dir: join(group.stateDir, 'redis') });
    const app = await startApp(group, { name: 'app-a', env: { REDIS_URL: redis.url }, prlimitNofile: 2048 });
    // prlimit execs node in place: the PID is the app's own, with the limit set.
    expect(readFileSync(`/proc/${app.process.pid}/limits`, 'utf8')).toMatch(/^Max open files\s+2048\s+2048/m);
    expect(readFileSync(`/proc/${app.process.pid}/cmdline`, 'utf8')).toContain('server.js');
    expect(app.url).toBe(`http://127.0.0.1:${app.port}`);
    expect(app.metricsUrl).toBe(`http://127.0.0.1:${app.metricsPort}/metrics`);
    const client = new ApiClient(app.url);
    try {
      expect((await client.register('alice', PASSWORD)).status).toBe(201);
      expect((await client.register('alice', PASSWORD)).status).toBe(409);
      const { token, expiresAt } = await client.login('alice', PASSWORD);
      expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());

      const session = await client.session(token);
      expect(session.status).toBe(200);
      expect(session.servedBy).toBe('app-a');
      expect(JSON.parse(session.body)).toMatchObject({ username: 'alice' });

      expect(await client.logout(token)).toBe(204);
      expect((await client.session(token)).status).toBe(401);
      await expect(client.login('alice', 'wrong password')).rejects.toThrow(/login alice: 401/);

      const users = await client.createUsers('bulk', 10, PASSWORD);
      expect(users.map((u) => u.username)).toEqual(Array.from({ length: 10 }, (_, i) => `bulk-${i}`));
      expect(await client.verifySessions(users)).toEqual({ lost: [], unchecked: [] });
    } finally {
      client.close();
    }

    const pid = app.process.pid;
    expect(await app.stop()).toEqual({ code: 0, signal: null });
    expect(pidAlive(pid)).toBe(false);
  });

  test('the load generator keeps its rate and records every request; events share its clock', async () => {
    const group = testGroup();
    const redis = await startRedis(group, { name: 'redis', dir: join(group.stateDir, 'redis') });
    const apps = await Promise.all(['app-a', 'app-b'].map((name) => startApp(group, { name, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'load:' } })));
    const client = new ApiClient(apps[0]!.url);
    const users = await client.createUsers('load', 20, PASSWORD);
    client.close();

    const root = mkdtempSync(join(tmpdir(), 'xwing-results-'));
    try {
      const runDir = createRunDir('harness-test', { root });
      expect(basename(runDir)).toMatch(/^\d{8}T\d{6}Z-harness-test$/);
      expect(basename(createRunDir('harness-test', { root }))).toMatch(/^\d{8}T\d{6}Z-harness-test(-2)?$/);
      const events = new EventLog(runDir);
      const load = new LoadGenerator({
        backends: apps.map((a) => ({ name: a.name, url: a.url })),
        users,
        rate: 200,
        mix: [['session', 3], ['cycle', 1]],
        clock: () => events.ms(),
      });
      events.event('load-start', { rate: 200 });
      const records = await load.run(1000);
      events.event('load-end', { requests: records.length });

      expect(records.length).toBeGreaterThanOrEqual(180);
      expect(records.length).toBeLessThanOrEqual(200);
      expect(records.filter((r) => !r.ok)).toEqual([]);
      expect(new Set(records.map((r) => r.servedBy))).toEqual(new Set(['app-a', 'app-b']));
      expect(new Set(records.map((r) => r.op))).toEqual(new Set(['session', 'cycle']));
      for (const r of records) expect(r.end).toBeGreaterThanOrEqual(r.start);

      const lines = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.map((l) => l.event)).toEqual(['load-start', 'load-end']);
      expect(lines[0]).toMatchObject({ rate: 200 });
      expect(Object.keys(lines[0]!).slice(0, 3)).toEqual(['t', 'ms', 'event']);
      // The records' times and the events' are on one clock.
      expect(records[0]!.start).toBeGreaterThanOrEqual(lines[0]!.ms as number);
      expect(records.at(-1)!.end).toBeLessThanOrEqual(lines[1]!.ms as number);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('an app that cannot start fails fast with its log, and is not left running', async () => {
    const group = testGroup();
    const started = performance.now();
    await expect(startApp(group, { name: 'broken', env: { REDIS_URL: 'not a url' } })).rejects.toThrow(/broken exited at start \(code 78\)[\s\S]*REDIS_URL/);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(group.processes).toEqual([]);
  });
});
