// make bench / bench-smoke entry point: re-runs bench.mjs pinned to the load CPU (BENCH_LOAD_CPU,
// default 1) at the highest priority it may have, so that the generator, and Redis which it
// starts, inherit both; bench.mjs pins every app it starts to BENCH_APP_CPU (default 0).
// Without root, nice warns and keeps the default priority; the results record the niceness.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const loadCpu = process.env.BENCH_LOAD_CPU ?? '1';
const niceness = process.env.BENCH_NICE ?? '-20';
const bench = join(dirname(fileURLToPath(import.meta.url)), 'bench.mjs');
const child = spawn('nice', ['-n', niceness, 'taskset', '-c', loadCpu, process.execPath, bench], {
  stdio: 'inherit',
  env: { ...process.env, BENCH_PINNED: '1' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
