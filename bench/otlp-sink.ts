// The collector of the traced variants: the harness's OTLP/HTTP receiver in a process of its own,
// so that the bench pins it to the load CPU, away from the app's. It decodes every export, counts
// the spans and keeps none; on SIGTERM it prints what it received.
import { startOtlpReceiver } from '../harness/otlp-receiver.ts';

const receiver = await startOtlpReceiver({ keepSpans: false });
process.stdout.write(`otlp-sink listening on ${receiver.endpoint}\n`);
process.once('SIGTERM', () => {
  process.stdout.write(`otlp-sink received ${receiver.spanCount} spans in ${receiver.exports} exports\n`);
  void receiver.close().then(() => process.exit(0));
});
