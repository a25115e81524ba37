import { pino, type DestinationStream, type Level, type Logger } from 'pino';

/**
 * Credentials never reach the log: headers that carry tokens, cookies we set, and any field
 * named like a secret, wherever a serializer or a caller puts it.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  'token',
  '*.password',
  '*.token',
  'body.password',
  'req.body.password',
];

/**
 * Standard output, written in blocks of whole lines instead of one write(2) per line: that write
 * was the largest single item in the profile of a request. A block never exceeds PIPE_BUF (4 KiB),
 * so writes to a pipe stay atomic and the workers of cluster mode, which share it, cannot tear
 * each other's lines. A quiet process still shows its lines within a quarter of a second, and
 * what is pending is written out when the process exits.
 */
function stdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: true, minLength: 2048, maxWrite: 4096, periodicFlush: 250 });
  process.once('exit', () => destination.flushSync());
  return destination;
}

export function createLogger(level: string, destination: DestinationStream = stdout()): Logger {
  return pino(
    {
      level,
      base: { service: 'xwing' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Writes one line whose fields are already JSON: `fields` is empty or starts with a comma. */
export type LineWriter = (level: Level, fields: string, msg: string) => void;

/**
 * Lines in exactly the format of createLogger's, for a caller that serialises its own fields: the
 * request log, one line per request, where pino would build and walk an object for every line to
 * write the same bytes. It writes to the logger's destination with the logger's bindings, and
 * leaves the level check and redaction to the caller.
 */
export function lineWriter(logger: Logger): LineWriter {
  const internals = logger as unknown as Record<symbol, unknown>;
  const destination = internals[pino.symbols.streamSym] as DestinationStream;
  const bindings = internals[pino.symbols.chindingsSym] as string;
  return (level, fields, msg) => {
    destination.write(`{"level":"${level}","time":"${new Date().toISOString()}"${bindings}${fields},"msg":${JSON.stringify(msg)}}\n`);
  };
}
