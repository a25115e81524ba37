// Short commands the tooling runs to completion (kubectl, helm, ip): each bounded in time and killed
// when it overruns, with its stderr in the error when it fails.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a command to completion within `timeoutMs` and returns its stdout; rejects with its stderr. */
export async function command(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || String(error)}`, { cause: error });
  }
}
