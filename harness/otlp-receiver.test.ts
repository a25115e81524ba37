import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeTraces, startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.ts';

/** An export as the OTLP/JSON specification writes it: hex ids, 64-bit integers as strings, enums as numbers. */
const EXPORT = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'xwing' } }] },
      scopeSpans: [
        {
          scope: { name: 'xwing', version: '0.1.0' },
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              parentSpanId: 'eee19b7ec3c1b173',
              name: 'GET /auth/session',
              kind: 2,
              startTimeUnixNano: '1544712660000000000',
              endTimeUnixNano: '1544712661000000000',
              attributes: [
                { key: 'http.response.status_code', value: { intValue: '200' } },
                { key: 'ratio', value: { doubleValue: 0.5 } },
                { key: 'ok', value: { boolValue: true } },
                { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } } },
              ],
              events: [{ name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'Error' } }] }],
              status: { code: 2, message: 'failed' },
            },
          ],
        },
      ],
    },
  ],
};

describe('OTLP receiver', () => {
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => receiver?.close());

  it('decodes OTLP/JSON into typed spans', () => {
    expect(decodeTraces(JSON.stringify(EXPORT))).toEqual([
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        name: 'GET /auth/session',
        kind: 'server',
        startNs: 1544712660000000000n,
        endNs: 1544712661000000000n,
        attributes: { 'http.response.status_code': 200, ratio: 0.5, ok: true, list: ['a', 2] },
        events: [{ name: 'exception', attributes: { 'exception.type': 'Error' } }],
        status: { code: 'error', message: 'failed' },
        resource: { 'service.name': 'xwing' },
        scope: { name: 'xwing', version: '0.1.0' },
      },
    ]);
  });

  it.each([
    ['a short trace id', { traceId: '5b8e' }],
    ['an unknown kind', { kind: 9 }],
    ['a time that is no integer', { startTimeUnixNano: 'soon' }],
    ['an attribute without a known value kind', { attributes: [{ key: 'k', value: { weirdValue: 1 } }] }],
  ])('refuses %s', (_what, override) => {
    const broken = structuredClone(EXPORT);
    Object.assign(broken.resourceSpans[0]?.scopeSpans[0]?.spans[0] ?? {}, override);
    expect(() => decodeTraces(JSON.stringify(broken))).toThrow();
  });

  it('accepts an export, gzipped or not, and answers 400 to garbage, 415 to protobuf and 404 elsewhere', async () => {
    receiver = await startOtlpReceiver();
    const post = (body: string | Buffer, headers: Record<string, string>, path = '/v1/traces') =>
      fetch(`${receiver?.endpoint ?? ''}${path}`, { method: 'POST', headers, body }).then((res) => res.status);
    expect(await post(JSON.stringify(EXPORT), { 'content-type': 'application/json' })).toBe(200);
    expect(await post(gzipSync(JSON.stringify(EXPORT)), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toBe(200);
    expect(await post('{"resourceSpans": [{"scopeSpans": [{"spans": [{}]}]}]}', { 'content-type': 'application/json' })).toBe(400);
    expect(await post('not json', { 'content-type': 'application/json' })).toBe(400);
    expect(await post(Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf' })).toBe(415);
    expect(await post(JSON.stringify(EXPORT), { 'content-type': 'application/json' }, '/v1/metrics')).toBe(404);
    expect(receiver.spans().map((span) => span.name)).toEqual(['GET /auth/session', 'GET /auth/session']);
    expect([receiver.exports, receiver.spanCount]).toEqual([2, 2]);
  });
});
