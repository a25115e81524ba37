import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/paths.ts';
import { CONTRACT_FILE, contractText } from '../../test/contract/file.ts';
import { bearer, registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';
import { packageVersion } from '../package-version.ts';
import { buildContract } from './document.ts';
import { loginResultSchema, problemSchema, profileSchema, registeredSchema, sessionSchema, workResultSchema } from './responses.ts';

/** Answered before Express, by the probe listener of server.ts (app/test/probes.test.ts). */
const PROBES = ['/healthz', '/readyz'];
const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'];

type Paths = Record<string, Record<string, unknown>>;

function operations(paths: Paths): string[] {
  return Object.entries(paths).flatMap(([path, item]) => Object.keys(item).filter((key) => METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`));
}

describe('the contract (GET /openapi.json, docs/openapi.json)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { WORK_MAX_MS: '750' } });
  });
  afterAll(() => t.close());

  it('is served without a session or a rate limit, as the code builds it for this configuration', async () => {
    const res = await t.http.get('/openapi.json').expect(200).expect('Content-Type', /^application\/json/);
    expect(res.headers).not.toHaveProperty('ratelimit-limit');
    expect(res.body).toEqual(buildContract({ version: packageVersion(), workMaxMs: 750 }));
    const work = (res.body as { paths: Paths }).paths['/work']!.get as { parameters: { schema: { maximum: number } }[] };
    expect(work.parameters[0]!.schema.maximum).toBe(750);
    await t.http.get('/openapi.json').set('If-None-Match', res.headers.etag!).expect(304);
  });

  it('is committed in docs/openapi.json as the code produces it (fix: make openapi)', () => {
    expect(readFileSync(CONTRACT_FILE, 'utf8'), 'docs/openapi.json differs from the code: run `make openapi`').toBe(contractText());
  });

  it('lists exactly the operations the service answers: every route with HEAD beside GET and OPTIONS everywhere, and the probes', () => {
    const served = new Set(PROBES.flatMap((path) => [`GET ${path}`, `HEAD ${path}`, `OPTIONS ${path}`]));
    for (const { route } of t.app.router.stack) {
      if (!route) continue;
      served.add(`OPTIONS ${route.path}`);
      // A route's stack holds one layer per handler (guards included), each with the route's method.
      for (const { method } of route.stack) {
        served.add(`${method.toUpperCase()} ${route.path}`);
        if (method === 'get') served.add(`HEAD ${route.path}`);
      }
    }
    const { paths: documented } = buildContract({ version: 'test', workMaxMs: 1 }) as { paths: Paths };
    expect(operations(documented).sort()).toEqual([...served].sort());
  });

  it('describes the bodies the handlers send', async () => {
    const username = `c${Date.now().toString(36)}`;
    const registered = await t.http.post('/auth/register').send({ username, password: 'correct horse battery' }).expect(201);
    registeredSchema.parse(registered.body);
    const login = await t.http.post('/auth/login').send({ username, password: 'correct horse battery' }).expect(200);
    loginResultSchema.parse(login.body);
    const { token } = await registerAndLogin(t);
    sessionSchema.parse((await t.http.get('/auth/session').set(bearer(token)).expect(200)).body);
    profileSchema.parse((await t.http.get('/profile').set(bearer(token)).expect(200)).body);
    workResultSchema.parse((await t.http.get('/work?ms=2').set(bearer(token)).expect(200)).body);
    const invalid = await t.http.post('/auth/register').send({ username: 'X', password: '' }).expect(400);
    expect(problemSchema.parse(invalid.body).errors).toHaveLength(3);
    problemSchema.parse((await t.http.get('/work?ms=0x10').set(bearer(token)).expect(400)).body);
  });

  it('counts a password in characters, as the JSON Schema minLength and maxLength it publishes do', async () => {
    const name = (n: number) => `emoji-${n}-${Date.now().toString(36)}`;
    await t.http.post('/auth/register').send({ username: name(4), password: '😀'.repeat(4) }).expect(400);
    await t.http.post('/auth/register').send({ username: name(128), password: '😀'.repeat(128) }).expect(201);
    await t.http.post('/auth/register').send({ username: name(129), password: '😀'.repeat(129) }).expect(400);
  });

  it("has a row for every operation in README's HTTP API table", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## HTTP API'), readme.indexOf('\n## ', readme.indexOf('## HTTP API') + 1));
    const rows = [...section.matchAll(/^\| `([A-Z]+) (\/[^` ?]*)/gm)].map(([, method, path]) => `${method} ${path}`);
    const { paths } = buildContract({ version: 'test', workMaxMs: 1 }) as { paths: Paths };
    const main = operations(paths).filter((operation) => !/^(HEAD|OPTIONS) /.test(operation));
    expect(rows.sort()).toEqual(main.sort());
  });
});
