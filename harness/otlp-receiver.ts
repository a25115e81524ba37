// An OTLP/HTTP trace receiver on loopback: what a collector's `otlp` receiver does for
// `POST /v1/traces`, for tests and the bench. It accepts OTLP/JSON (what the app's exporter sends),
// gzip or not, decodes every request into typed spans, and refuses what it cannot decode (400) or
// does not speak (415 for protobuf), so a malformed export fails a test instead of passing unseen.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type StatusCodeName = 'unset' | 'ok' | 'error';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKindName;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  events: { name: string; attributes: Attributes }[];
  status: { code: StatusCodeName; message: string | undefined };
  resource: Attributes;
  scope: { name: string; version: string | undefined };
}

export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (the exporter adds /v1/traces). */
  readonly endpoint: string;
  /** Spans received so far, in arrival order (none kept with `keepSpans: false`). */
  spans(): ReceivedSpan[];
  /** Spans received so far, counted whether kept or not. */
  readonly spanCount: number;
  /** Export requests accepted so far. */
  readonly exports: number;
  /** The decoded bodies as sent (JSON text), for searches over everything the exporter sent. */
  bodies(): string[];
  close(): Promise<void>;
}

export interface OtlpReceiverOptions {
  /** Keep spans and bodies (tests) or only count them (the bench, which receives hundreds of thousands). */
  keepSpans?: boolean;
}

/** Largest request body accepted, decompressed. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const KINDS: readonly SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES: readonly StatusCodeName[] = ['unset', 'ok', 'error'];

class DecodeError extends Error {}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DecodeError(`${where}: not an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new DecodeError(`${where}: not an array`);
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new DecodeError(`${where}: not a string`);
  return value;
}

function optionalText(value: unknown, where: string): string | undefined {
  return value === undefined || value === '' ? undefined : text(value, where);
}

/** OTLP/JSON ids are lower-case hex of 16 (trace) or 8 (span) bytes. */
function hexId(value: unknown, bytes: number, where: string): string {
  const id = text(value, where);
  if (!new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(id)) throw new DecodeError(`${where}: not ${bytes} bytes of hex: ${JSON.stringify(id)}`);
  return id;
}

/** 64-bit integers travel as decimal strings in OTLP/JSON (numbers are accepted too). */
function uint64(value: unknown, where: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  throw new DecodeError(`${where}: not a 64-bit integer`);
}

function enumValue<T>(names: readonly T[], value: unknown, where: string): T {
  const index = value === undefined ? 0 : value;
  const name = typeof index === 'number' ? names[index] : undefined;
  if (name === undefined) throw new DecodeError(`${where}: unknown value ${JSON.stringify(value)}`);
  return name;
}

function anyValue(value: unknown, where: string): AttributeValue {
  const any = record(value, where);
  const [kind, ...others] = Object.keys(any);
  if (kind === undefined) return null;
  if (others.length > 0) throw new DecodeError(`${where}: more than one value`);
  const inner = any[kind];
  switch (kind) {
    case 'stringValue':
    case 'bytesValue':
      return text(inner, where);
    case 'boolValue':
      if (typeof inner !== 'boolean') throw new DecodeError(`${where}: boolValue not a boolean`);
      return inner;
    case 'intValue': {
      // A decimal string in OTLP/JSON (64 bits); a number is accepted too.
      const number = typeof inner === 'number' ? inner : /^-?\d+$/.test(text(inner, where)) ? Number(inner) : Number.NaN;
      if (!Number.isInteger(number)) throw new DecodeError(`${where}: intValue not an integer`);
      return number;
    }
    case 'doubleValue':
      if (typeof inner !== 'number') throw new DecodeError(`${where}: doubleValue not a number`);
      return inner;
    case 'arrayValue':
      return list(record(inner, where).values, where).map((item, index) => anyValue(item, `${where}[${index}]`));
    case 'kvlistValue':
      return attributes(record(inner, where).values, where);
    default:
      throw new DecodeError(`${where}: unknown value kind ${kind}`);
  }
}

function attributes(value: unknown, where: string): Attributes {
  const result: Attributes = {};
  for (const [index, item] of list(value, where).entries()) {
    const pair = record(item, `${where}[${index}]`);
    const key = text(pair.key, `${where}[${index}].key`);
    result[key] = pair.value === undefined ? null : anyValue(pair.value, `${where}.${key}`);
  }
  return result;
}

function span(value: unknown, resource: Attributes, scope: ReceivedSpan['scope'], where: string): ReceivedSpan {
  const raw = record(value, where);
  const parent = optionalText(raw.parentSpanId, `${where}.parentSpanId`);
  const status = raw.status === undefined ? {} : record(raw.status, `${where}.status`);
  return {
    traceId: hexId(raw.traceId, 16, `${where}.traceId`),
    spanId: hexId(raw.spanId, 8, `${where}.spanId`),
    parentSpanId: parent === undefined ? undefined : hexId(parent, 8, `${where}.parentSpanId`),
    name: text(raw.name, `${where}.name`),
    kind: enumValue(KINDS, raw.kind, `${where}.kind`),
    startNs: uint64(raw.startTimeUnixNano, `${where}.startTimeUnixNano`),
    endNs: uint64(raw.endTimeUnixNano, `${where}.endTimeUnixNano`),
    attributes: attributes(raw.attributes, `${where}.attributes`),
    events: list(raw.events, `${where}.events`).map((event, index) => {
      const item = record(event, `${where}.events[${index}]`);
      return { name: text(item.name, `${where}.events[${index}].name`), attributes: attributes(item.attributes, `${where}.events[${index}].attributes`) };
    }),
    status: { code: enumValue(STATUS_CODES, status.code, `${where}.status.code`), message: optionalText(status.message, `${where}.status.message`) },
    resource,
    scope,
  };
}

/** An ExportTraceServiceRequest in OTLP/JSON, flattened to its spans. */
export function decodeTraces(body: string): ReceivedSpan[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new DecodeError(`not JSON: ${(error as Error).message}`);
  }
  const spans: ReceivedSpan[] = [];
  for (const [r, resourceSpans] of list(record(parsed, 'request').resourceSpans, 'resourceSpans').entries()) {
    const where = `resourceSpans[${r}]`;
    const entry = record(resourceSpans, where);
    const resource = entry.resource === undefined ? {} : attributes(record(entry.resource, `${where}.resource`).attributes, `${where}.resource.attributes`);
    for (const [s, scopeSpans] of list(entry.scopeSpans, `${where}.scopeSpans`).entries()) {
      const scoped = record(scopeSpans, `${where}.scopeSpans[${s}]`);
      const rawScope = scoped.scope === undefined ? {} : record(scoped.scope, `${where}.scopeSpans[${s}].scope`);
      const scope = { name: text(rawScope.name ?? '', `${where}.scope.name`), version: optionalText(rawScope.version, `${where}.scope.version`) };
      for (const [i, item] of list(scoped.spans, `${where}.scopeSpans[${s}].spans`).entries()) {
        spans.push(span(item, resource, scope, `${where}.scopeSpans[${s}].spans[${i}]`));
      }
    }
  }
  return spans;
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new DecodeError(`body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  if (req.headers['content-encoding'] === 'gzip') return gunzipSync(body, { maxOutputLength: maxBytes });
  return body;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const keep = options.keepSpans ?? true;
  const received: ReceivedSpan[] = [];
  const bodies: string[] = [];
  let spanCount = 0;
  let exports = 0;

  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      reply(res, 404, { message: `${req.method ?? ''} ${req.url ?? ''}: only POST /v1/traces is received here` });
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (type !== 'application/json') {
      reply(res, 415, { message: `${type ?? '(none)'}: this receiver decodes OTLP/JSON only` });
      return;
    }
    void (async () => {
      try {
        const body = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
        const spans = decodeTraces(body);
        exports += 1;
        spanCount += spans.length;
        if (keep) {
          received.push(...spans);
          bodies.push(body);
        }
        reply(res, 200, {});
      } catch (error) {
        reply(res, 400, { message: (error as Error).message });
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    get spanCount() {
      return spanCount;
    },
    get exports() {
      return exports;
    },
    bodies: () => [...bodies],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
