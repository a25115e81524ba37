import type { Logger } from 'pino';
import type { RequestEndObserver } from '../http/request-end.ts';
import { requestIdOf } from '../http/identity.ts';
import type { Tracing } from '../telemetry/tracing.ts';
import { lineWriter } from './logger.ts';

const json = JSON.stringify;

/**
 * One JSON line per request, with the request id the client sees in X-Request-Id; a request the
 * client gave up on is logged too, as aborted. The fields are serialised here, not by pino: a
 * line per request was the largest cost of the log (pino-http, replaced earlier, even built a
 * child logger per request). Key-based redaction does not apply: this line holds only the fields
 * written below, none of them a secret (a secret a client puts in the path would escape
 * key-based redaction anyway).
 */
export function httpLogger(logger: Logger, tracing?: Pick<Tracing, 'logFields'>): RequestEndObserver {
  const write = lineWriter(logger);
  return (req, res, { route, finished, durationMs }) => {
    const status = res.statusCode;
    const level = !finished ? 'warn' : status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const query = req.originalUrl.indexOf('?');
    const path = query === -1 ? req.originalUrl : req.originalUrl.slice(0, query);
    const userAgent = req.headers['user-agent'];
    const remoteAddress = req.socket.remoteAddress;
    let fields =
      `,"req":{"id":${json(requestIdOf(res))},"method":${json(req.method)},"url":${json(path)}` +
      (userAgent === undefined ? '' : `,"userAgent":${json(userAgent)}`) +
      (remoteAddress === undefined ? '' : `,"remoteAddress":${json(remoteAddress)}`) +
      `},"res":{"statusCode":${status}},"responseTime":${Math.round(durationMs * 100) / 100},"route":${json(route)}`;
    const trace = tracing?.logFields(res);
    if (trace) fields += `,"trace_id":${json(trace.trace_id)},"span_id":${json(trace.span_id)},"trace_flags":${json(trace.trace_flags)}`;
    write(level, fields, `${req.method} ${route} ${finished ? String(status) : 'aborted'}`);
  };
}
