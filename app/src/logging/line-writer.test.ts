import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, lineWriter } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');

describe('lines written with pre-serialised fields', () => {
  it('are byte for byte what the logger writes for the same fields, bindings included', () => {
    const { lines, destination } = capture();
    const logger = createLogger('info', destination).child({ worker: 2 });
    const fields = { req: { id: 'a"b\\c', url: '/x\u2028y' }, res: { statusCode: 404 }, responseTime: 1.25, route: 'unmatched' };
    const message = 'GET unmatched 404 "quoted"\n';
    logger.warn(fields, message);
    lineWriter(logger)('warn', `,${JSON.stringify(fields).slice(1, -1)}`, message);
    expect(lines).toHaveLength(2);
    expect(withoutTime(lines[1] ?? '')).toBe(withoutTime(lines[0] ?? ''));
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ level: 'warn', service: 'xwing', worker: 2, msg: message, req: fields.req });
    expect(Date.parse((JSON.parse(lines[1] ?? '') as { time: string }).time)).not.toBeNaN();
  });

  it('take no fields at all', () => {
    const { lines, destination } = capture();
    const logger = createLogger('info', destination);
    logger.info('bare');
    lineWriter(logger)('info', '', 'bare');
    expect(withoutTime(lines[1] ?? '')).toBe(withoutTime(lines[0] ?? ''));
  });
});
