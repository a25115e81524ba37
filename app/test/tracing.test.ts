import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../harness/index.ts';
import { login, spawnService, type Service } from './support/processes.ts';

/** Names every @opentelemetry module the process resolves (see the file). */
const REPORT_MODULES = `--import=${fileURLToPath(new URL('./support/report-otel-modules.ts', import.meta.url))}`;

const newTraceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
};

function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function get(service: Service, path: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${service.url}${path}`, { headers });
  await res.arrayBuffer();
  return res.status;
}

describe('tracing in the real server process', () => {
  let service: Service | undefined;
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await service?.stop();
    await receiver?.close();
    service = receiver = undefined;
  });

  it('exports the spans of real requests to an OTLP receiver, flushes them at shutdown and logs their ids', async () => {
    receiver = await startOtlpReceiver();
    service = await spawnService({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, LOG_LEVEL: 'info', SHUTDOWN_DELAY_MS: '200', NODE_OPTIONS: REPORT_MODULES });
    const auth = { authorization: `Bearer ${await login(service.url, 'traced-user')}` };
    const parent = newTraceparent();
    expect(await get(service, '/auth/session', { ...auth, traceparent: parent.header })).toBe(200);
    expect(await get(service, '/profile', auth)).toBe(200);
    service.process.kill('SIGTERM');
    expect(await service.exited).toBe(0);

    // Everything was sent by the time the process exited: the last spans by the flush at shutdown.
    const spans = receiver.spans();
    const session = spans.find((span) => span.traceId === parent.traceId && span.kind === 'server');
    expect(session).toMatchObject({
      name: 'GET /auth/session',
      kind: 'server',
      parentSpanId: parent.parentId,
      attributes: { 'http.route': '/auth/session', 'http.response.status_code': 200 },
      resource: { 'service.name': 'xwing', 'service.instance.id': 'xwing' },
    });
    const children = (of: ReceivedSpan | undefined) => spans.filter((span) => span.parentSpanId === of?.spanId).map((span) => span.name);
    expect(children(session)).toEqual(['EVALSHA xwingAccess']);
    const profile = spans.find((span) => span.name === 'GET /profile');
    expect(children(profile)).toEqual(expect.arrayContaining(['EVALSHA xwingAccess', 'GET', 'SET', 'profile.lookup']));

    const line = logLines(service.output()).find((entry) => entry.msg === 'GET /auth/session 200');
    expect(line).toMatchObject({ trace_id: parent.traceId, span_id: session?.spanId, trace_flags: '01' });
    expect(service.output()).toMatch(/otel-module-report: resolved @opentelemetry\/sdk-trace\n/);
  });

  it('loads no OpenTelemetry module at all without an endpoint', async () => {
    service = await spawnService({ LOG_LEVEL: 'info', NODE_OPTIONS: REPORT_MODULES });
    const auth = { authorization: `Bearer ${await login(service.url, 'untraced-user')}` };
    expect(await get(service, '/auth/session', { ...auth, traceparent: newTraceparent().header })).toBe(200);
    service.process.kill('SIGTERM');
    expect(await service.exited).toBe(0);

    // prom-client requires @opentelemetry/api itself, for exemplars: the API alone, which does nothing.
    const resolved = [...service.output().matchAll(/^otel-module-report: resolved (\S+)$/gm)].map((match) => match[1]);
    expect(service.output()).toMatch(/otel-module-report: installed/);
    expect(resolved.filter((name) => name !== '@opentelemetry/api')).toEqual([]);
    const line = logLines(service.output()).find((entry) => entry.msg === 'GET /auth/session 200');
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty('trace_id');
  });

  it('sends nothing at a ratio of 0, yet follows a request whose traceparent is sampled', async () => {
    receiver = await startOtlpReceiver();
    service = await spawnService({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
      SHUTDOWN_DELAY_MS: '200',
    });
    const auth = { authorization: `Bearer ${await login(service.url, 'sampled-user')}` };
    for (let i = 0; i < 20; i++) expect(await get(service, '/auth/session', auth)).toBe(200);
    const parent = newTraceparent();
    expect(await get(service, '/auth/session', { ...auth, traceparent: parent.header })).toBe(200);
    service.process.kill('SIGTERM');
    expect(await service.exited).toBe(0);

    const spans = receiver.spans();
    expect(spans.map((span) => [span.name, span.traceId])).toEqual([
      ['EVALSHA xwingAccess', parent.traceId],
      ['GET /auth/session', parent.traceId],
    ]);
  });

  it.each([
    ['OTEL_TRACES_SAMPLER', 'jaeger_remote'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ])('stops at start naming %s=%s', async (name, value) => {
    service = await spawnService({ [name]: value }, { waitReady: false });
    expect(await service.exited).toBe(78);
    expect(service.output()).toMatch(new RegExp(`invalid configuration:\\n  ${name}: `));
  });
});
