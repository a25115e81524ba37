import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';

/**
 * The exporter reports failures only to OpenTelemetry's global diagnostic logger, which is silent
 * unless installed. This says in our log when export starts failing and when it recovers: one line
 * each, however many batches fail in between (a collector that is down fails every batch).
 */
export function loggingFailures(exporter: SpanExporter, logger: Logger): SpanExporter {
  let failing = false;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && !failing) {
          failing = true;
          logger.warn({ err: result.error, spans: spans.length }, 'trace export failing; spans are dropped until it recovers');
        } else if (result.code === ExportResultCode.SUCCESS && failing) {
          failing = false;
          logger.info('trace export recovered');
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
