import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../../harness/otlp-receiver.ts';
import { bearer, LogCapture, registerAndLogin, testApp, type TestApp, type TestAppOptions } from '../../test/support/harness.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logging/logger.ts';
import { SESSION_COOKIE } from '../sessions/request.ts';
import { hashToken } from '../sessions/tokens.ts';
import { loadTracing, tracesUrl, type Tracing } from './tracing.ts';

interface Traced {
  receiver: OtlpReceiver;
  tracing: Tracing;
  app: TestApp;
  tracingLog: LogCapture;
  /** Flushes every span to the receiver (the shutdown of the tracing) and returns them. */
  flush: () => Promise<ReceivedSpan[]>;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
});

async function traced(env: Record<string, string> = {}, appOptions: Omit<TestAppOptions, 'tracing'> = {}): Promise<Traced> {
  const receiver = await startOtlpReceiver();
  const settings = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'xwing-test', ...env });
  const tracingLog = new LogCapture();
  const tracing = await loadTracing(settings, { logger: createLogger('info', tracingLog), servedBy: 'pod-1', version: '9.9.9' });
  if (!tracing) throw new Error('an endpoint was set, yet tracing is off');
  const app = await testApp({ ...appOptions, tracing });
  let flushed = false;
  const flush = async () => {
    if (!flushed) await tracing.shutdown(5000);
    flushed = true;
    return receiver.spans();
  };
  open.push(async () => {
    await flush();
    await app.close();
    await receiver.close();
  });
  return { receiver, tracing, app, tracingLog, flush };
}

// The SDK anchors each span's clock to Date.now() when it starts, which ticks in whole milliseconds:
// two spans' times may disagree by up to a millisecond, so comparisons across spans allow one.
const MILLISECOND = 1_000_000n;
const traceparent = (traceId: string, spanId: string, sampled = true) => `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
const byName = (spans: ReceivedSpan[], name: string) => spans.filter((span) => span.name === name);
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId);

function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = byName(spans, name);
  expect(found.map((span) => span.name), `exactly one span named ${name} among ${spans.map((span) => span.name).join(', ')}`).toEqual([name]);
  return found[0] as ReceivedSpan;
}

describe('tracing', () => {
  it('is off without an endpoint, and the traces endpoint wins over the base one', async () => {
    const logger = createLogger('silent');
    expect(await loadTracing(loadConfig({}), { logger, servedBy: 'pod', version: '1' })).toBeUndefined();
    expect(tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/otlp/' }))).toBe('http://collector:4318/otlp/v1/traces');
    expect(tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/traces' }))).toBe('https://b/traces');
  });

  it('makes each request a SERVER span named by its route, a child of its traceparent, with its Redis script as a CLIENT child', async () => {
    const { app, flush } = await traced();
    const user = await registerAndLogin(app);
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    await app.http.get('/auth/session').set(bearer(user.token)).set('traceparent', traceparent(traceId, parentId)).expect(200);
    const spans = await flush();

    const request = only(spans.filter((span) => span.traceId === traceId), 'GET /auth/session');
    expect(request).toMatchObject({
      parentSpanId: parentId,
      kind: 'server',
      status: { code: 'unset' },
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/auth/session',
        'http.response.status_code': 200,
        'url.path': '/auth/session',
        'url.scheme': 'http',
      },
      resource: { 'service.name': 'xwing-test', 'service.version': '9.9.9', 'service.instance.id': 'pod-1' },
    });
    const [script, ...others] = childrenOf(spans, request);
    expect(others).toEqual([]);
    expect(script).toMatchObject({
      name: 'EVALSHA xwingAccess',
      kind: 'client',
      attributes: { 'db.system.name': 'redis', 'db.operation.name': 'EVALSHA', 'db.stored_procedure.name': 'xwingAccess' },
    });
    expect(script?.startNs).toBeGreaterThanOrEqual(request.startNs - MILLISECOND);
    expect(script?.endNs).toBeLessThanOrEqual(request.endNs + MILLISECOND);

    // Register and login read a body first: their commands still belong to them, including the
    // session's write, which goes through an explicit pipeline.
    const login = only(spans, 'POST /auth/login');
    expect(login.parentSpanId).toBeUndefined();
    expect(childrenOf(spans, login).map((span) => span.name).sort()).toEqual(['EVALSHA xwingCountInWindow', 'EVALSHA xwingCountInWindow', 'EVALSHA xwingCountInWindow', 'GET', 'SET']);
    const register = only(spans, 'POST /auth/register');
    expect(childrenOf(spans, register).map((span) => span.name)).toContain('SET');
  });

  it('keeps a request\'s commands in its span when the body arrives after the headers', async () => {
    const { app, flush } = await traced();
    const user = await registerAndLogin(app);
    const server = app.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const body = JSON.stringify({ username: user.username, password: user.password });
      const req = request({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        method: 'POST',
        path: '/auth/login',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), traceparent: traceparent(randomBytes(16).toString('hex'), randomBytes(8).toString('hex')) },
      });
      req.flushHeaders();
      await sleep(50);
      req.end(body);
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      res.resume();
      expect(res.statusCode).toBe(200);
    } finally {
      server.close();
    }
    const spans = await flush();
    const logins = byName(spans, 'POST /auth/login').filter((span) => span.parentSpanId !== undefined);
    expect(logins).toHaveLength(1);
    expect(childrenOf(spans, logins[0] as ReceivedSpan).map((span) => span.name)).toContain('SET');
  });

  it('writes the trace and span ids of the request into its log line', async () => {
    const { app, flush } = await traced();
    const traceId = randomBytes(16).toString('hex');
    await app.http.get('/auth/session').set('traceparent', traceparent(traceId, randomBytes(8).toString('hex'))).expect(401);
    const request = only((await flush()).filter((span) => span.traceId === traceId), 'GET /auth/session');
    const line = app.logs.lines.find((entry) => entry.msg === 'GET /auth/session 401');
    expect(line).toMatchObject({ trace_id: traceId, span_id: request.spanId, trace_flags: '01' });
  });

  it('spans the profile lookup and a wait for another replica\'s cache lock', async () => {
    const { app, flush } = await traced();
    const user = await registerAndLogin(app);
    // Another replica holds the fill lock for 150 ms, then dies without filling the entry.
    await app.redis.set(`lock:profile:${user.username}`, 'another-replica', 'PX', 150);
    await app.http.get('/profile').set(bearer(user.token)).expect(200).expect('X-Cache', 'MISS');
    const spans = await flush();

    const request = only(spans, 'GET /profile');
    const children = childrenOf(spans, request);
    const wait = only(children, 'cache.lock_wait');
    const lookup = only(children, 'profile.lookup');
    expect(wait.kind).toBe('internal');
    expect(Number(wait.endNs - wait.startNs) / 1e6).toBeGreaterThan(50);
    expect(lookup.kind).toBe('internal');
    // Start times have the millisecond precision of Date.now(), end times are finer.
    expect(lookup.startNs).toBeGreaterThanOrEqual(wait.endNs - MILLISECOND);
    // The polls of the wait are its own children; the fill's SET follows the lookup.
    expect(childrenOf(spans, wait).map((span) => span.name)).toContain('GET');
    expect(children.filter((span) => span.name === 'SET' && span.startNs >= lookup.endNs - MILLISECOND)).toHaveLength(1);
  });

  it('marks a 5xx and the Redis command and lookup that failed as errors, and names an unmatched path by its method only', async () => {
    const { app, flush } = await traced({}, { profileLookup: () => Promise.reject(new Error('the directory is down')) });
    const user = await registerAndLogin(app);
    await app.http.get('/nowhere').expect(404);
    await app.http.get('/profile').set(bearer(user.token)).expect(500);
    // A session key of the wrong type: the script's GETEX fails inside Redis.
    const sessionKey = `session:${hashToken(user.token)}`;
    await app.redis.del(sessionKey);
    await app.redis.hset(sessionKey, 'u', user.username);
    await app.http.get('/auth/session').set(bearer(user.token)).expect(503);
    const spans = await flush();

    const server = spans.filter((span) => span.kind === 'server');
    expect(only(server, 'GET')).toMatchObject({ status: { code: 'unset' }, attributes: { 'http.response.status_code': 404, 'url.path': '/nowhere' } });
    expect(only(server, 'GET')).not.toHaveProperty(['attributes', 'http.route']);
    const profile = only(server, 'GET /profile');
    expect(profile).toMatchObject({ status: { code: 'error' }, attributes: { 'http.response.status_code': 500, 'error.type': '500' } });
    expect(only(childrenOf(spans, profile), 'profile.lookup')).toMatchObject({ status: { code: 'error' }, attributes: { 'error.type': 'Error' } });
    const session = only(server, 'GET /auth/session');
    expect(session).toMatchObject({ status: { code: 'error' }, attributes: { 'http.response.status_code': 503, 'error.type': '503' } });
    expect(only(childrenOf(spans, session), 'EVALSHA xwingAccess')).toMatchObject({ status: { code: 'error' }, attributes: { 'error.type': 'ReplyError' } });
  });

  it('follows an unsampled traceparent: no span, yet its trace id in the log line', async () => {
    const { app, flush } = await traced();
    const traceId = randomBytes(16).toString('hex');
    await app.http.get('/auth/session').set('traceparent', traceparent(traceId, randomBytes(8).toString('hex'), false)).expect(401);
    await app.http.get('/auth/session').expect(401);
    const spans = await flush();
    expect(spans.filter((span) => span.traceId === traceId)).toEqual([]);
    expect(spans.map((span) => span.name)).toContain('GET /auth/session');
    const line = app.logs.lines.find((entry) => entry.trace_id === traceId);
    expect(line).toMatchObject({ msg: 'GET /auth/session 401', trace_flags: '00' });
  });

  it('never records a token, its digest, a cookie, an Authorization header or a password', async () => {
    const { app, receiver, flush } = await traced();
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const user = await registerAndLogin(app, `u${randomBytes(4).toString('hex')}`, password);
    await app.http.get('/auth/session').set(bearer(user.token)).expect(200);
    await app.http.get('/profile').set('Cookie', `${SESSION_COOKIE}=${user.token}`).expect(200);
    await app.http.post('/auth/login').send({ username: user.username, password: `${password}-wrong` }).expect(401);
    await app.http.post('/auth/logout').set(bearer(user.token)).expect(204);
    const spans = await flush();
    expect(spans.length).toBeGreaterThan(10);

    const secrets = [password, user.token, hashToken(user.token), 'Bearer', `${SESSION_COOKIE}=`];
    const recorded = JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status })));
    const sent = receiver.bodies().join('\n');
    expect(sent).toContain('/auth/login');
    for (const secret of secrets) {
      expect(recorded).not.toContain(secret);
      expect(sent).not.toContain(secret);
    }
  });

  it('says in the log, once, that export is failing', async () => {
    // A path the receiver does not serve: 404, which the exporter does not retry.
    const { app, receiver, tracing, tracingLog } = await traced();
    const misdirected = await traced({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/elsewhere` });
    for (let i = 0; i < 3; i++) await misdirected.app.http.get('/auth/session').expect(401);
    await misdirected.tracing.shutdown(5000);
    expect(misdirected.tracingLog.lines.filter((line) => line.msg === 'trace export failing; spans are dropped until it recovers')).toHaveLength(1);

    await app.http.get('/auth/session').expect(401);
    await tracing.shutdown(5000);
    expect(tracingLog.lines.map((line) => line.msg)).toEqual(['tracing on']);
  });
});
