import { pino, type DestinationStream, type Logger } from 'pino';

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
