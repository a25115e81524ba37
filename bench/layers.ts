// The cost of each layer of xwing's request path, from a CPU profile: every sample goes to the
// innermost frame on its stack that belongs to a layer, so that a piece of middleware is charged
// for the Node internals it calls (helmet for its setHeader calls, the logger for its write(2))
// but not for the middleware it hands the request on to. Node's HTTP server (parser, response
// write, sockets) is a layer of its own: what a bare node:http server also pays.

interface Frame {
  functionName: string;
  url: string;
}

/** Asked of each frame, leaf first: the first rule that matches decides; '' hands the frame to its caller. */
const RULES: readonly [layer: string, test: (f: Frame, where: string) => boolean][] = [
  // Header accessors cost whoever sets the header, not the HTTP layer.
  ['', (f, where) => where === 'node:_http_outgoing' && /^(set|get|has|remove)Header/.test(f.functionName)],
  // The route template is read where a request ends, for the logger and the metrics.
  ['', (_f, where) => where === 'xwing:http/route-template'],
  ['request end (route, duration, for the log and metrics)', (_f, where) => where === 'xwing:http/request-end'],
  ['request log (pino, http-logger)', (_f, where) => /^xwing:logging\/|^(pino|sonic-boom|quick-format-unescaped|fast-redact|@pinojs\/redact|pino-std-serializers)$/.test(where)],
  ['metrics (prom-client histogram)', (_f, where) => /^xwing:metrics\/|^(prom-client|tdigest|bintrees)$/.test(where)],
  ['security headers (helmet)', (_f, where) => where === 'helmet'],
  ['request id, X-Served-By (identity)', (_f, where) => where === 'xwing:http/identity'],
  ['rate limit (decision, headers)', (_f, where) => /^xwing:rate-limit\//.test(where)],
  ['session check, sliding expiry (token, SHA-256, JSON)', (_f, where) => /^xwing:sessions\//.test(where)],
  ['Redis client (ioredis, runner, scripts)', (_f, where) => /^xwing:redis\/|^(ioredis|@ioredis\/.+|redis-parser|redis-errors|denque|standard-as-callback|cluster-key-slot)$/.test(where)],
  ['client address (rate-limit key)', (_f, where) => where === 'xwing:http/client-address'],
  ['probe dispatch (before Express)', (_f, where) => where === 'xwing:health/probes'],
  // What is left on the path in node_modules is Express and its own dependencies (router, forwarded, ...).
  ['Express (router, req/res helpers, 404/405)', (_f, where) => /^xwing:http\//.test(where) || !/^(node:|xwing:|bench:|\()/.test(where)],
  ['node:http (parser, response write, sockets)', (_f, where) => /^node:_http_/.test(where)],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
];

export const OTHER_LAYER = 'event loop, timers, other';

/** The layer a frame (with its category from cpuprofile-summary) belongs to; undefined: it costs its caller. */
export function frameLayer(frame: Frame, where: string): string | undefined {
  for (const [layer, test] of RULES) if (test(frame, where)) return layer || undefined;
  return undefined;
}
