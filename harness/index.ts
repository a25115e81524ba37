// xwing's one harness for everything that runs it on loopback: processes by PID, Redis (standalone
// or replicated with Sentinel), app processes, the API client, the load generator, run folders, an
// OTLP trace receiver.
export * from './app.ts';
export * from './client.ts';
export * from './command.ts';
export * from './load.ts';
export * from './otlp-receiver.ts';
export * from './paths.ts';
export * from './procs.ts';
export * from './process-stats.ts';
export * from './redis.ts';
export * from './release.ts';
export * from './repeat.ts';
export * from './results.ts';
export * from './wait.ts';
export * from './writer.ts';
