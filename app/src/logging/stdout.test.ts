import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOGGER = fileURLToPath(new URL('./logger.ts', import.meta.url));

/** Runs `script` in a shell whose node processes log through createLogger's own stdout; resolves with what they wrote. */
function run(script: string, env: Record<string, string> = {}): Promise<{ out: string; code: number | null; firstChunkMs: number; closedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let firstChunkMs = -1;
    const child = spawn('sh', ['-c', script], { env: { ...process.env, LOGGER, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (firstChunkMs < 0) firstChunkMs = Date.now() - started;
      out += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ out, code, firstChunkMs, closedMs: Date.now() - started }));
  });
}

const node = `"${process.execPath}" --input-type=module -e`;
const logLines = (count: number, thenExit: string) =>
  `${node} 'const { createLogger } = await import(process.env.LOGGER); const log = createLogger("info");
   for (let i = 0; i < ${count}; i++) log.info({ writer: process.env.WRITER, i, pad: "x".repeat(200) }, "line");
   ${thenExit}'`;

describe('the stdout log destination', () => {
  it('writes every pending line when the process exits, even right after logging', async () => {
    const { out, code } = await run(logLines(7, 'process.exit(3);'));
    expect(code).toBe(3);
    expect(out.trim().split('\n').map((line) => (JSON.parse(line) as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('shows a quiet process its few lines soon, without waiting for a full block', async () => {
    const { out, firstChunkMs, closedMs } = await run(logLines(1, 'await new Promise((resolve) => setTimeout(resolve, 1500));'));
    expect(out.trim().split('\n')).toHaveLength(1);
    // The process lives 1.5 s after logging: the periodic flush (250 ms) delivers the line long
    // before the exit would have. Measured against the exit, so a slow start-up cannot matter.
    expect(firstChunkMs).toBeGreaterThan(0);
    expect(closedMs - firstChunkMs).toBeGreaterThan(700);
  });

  it('never tears lines when several processes share one pipe (cluster mode)', async () => {
    const count = 20_000;
    const { out } = await run(
      `WRITER=a ${logLines(count, '')} & WRITER=b ${logLines(count, '')} & WRITER=c ${logLines(count, '')} & wait`,
    );
    const lines = out.trim().split('\n');
    const parsed = lines.map((line) => JSON.parse(line) as { writer: string; i: number });
    expect(parsed).toHaveLength(3 * count);
    for (const writer of ['a', 'b', 'c']) {
      expect(parsed.filter((line) => line.writer === writer).map((line) => line.i)).toEqual(Array.from({ length: count }, (_, i) => i));
    }
  });
});
