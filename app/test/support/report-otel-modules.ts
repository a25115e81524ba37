// Preloaded into a service under test (NODE_OPTIONS=--import=<this file>): says that it is in
// place, then names every OpenTelemetry module the process resolves, by import or require, so a
// test can tell that a process without an endpoint loads none.
import { registerHooks } from 'node:module';

process.stderr.write('otel-module-report: installed\n');
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith('@opentelemetry/')) process.stderr.write(`otel-module-report: resolved ${specifier}\n`);
    return nextResolve(specifier, context);
  },
});
