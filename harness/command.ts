// Commands the tooling runs to completion (kubectl, helm, ip, make): each bounded in time and killed
// when it overruns, with what it wrote (stderr, else stdout) in the error when it fails.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CommandOptions {
  /** Written to the command's stdin, which is closed after it. */
  input?: string;
  /** Called with the command's stdout and stderr as they come, for a long command whose progress is shown. */
  onOutput?: (text: string) => void;
}

/** Runs a command to completion within `timeoutMs` and returns its stdout; rejects with its stderr (else stdout). */
export async function command(cmd: string, args: readonly string[], timeoutMs = 60_000, { input, onOutput }: CommandOptions = {}): Promise<string> {
  const running = run(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 });
  const { stdin, stdout, stderr } = running.child;
  if (onOutput) for (const stream of [stdout, stderr]) stream?.on('data', (chunk: Buffer | string) => onOutput(String(chunk)));
  if (input !== undefined) stdin?.end(input);
  try {
    return (await running).stdout;
  } catch (error) {
    const { stdout, stderr, killed } = error as { stdout?: string; stderr?: string; killed?: boolean };
    const said = [killed ? `killed after ${timeoutMs} ms` : '', stderr?.trim() || stdout?.trim()].filter(Boolean).join(': ');
    throw new Error(`${cmd} ${args.join(' ')}: ${said || String(error)}`, { cause: error });
  }
}
