import type { Server } from 'node:net';

/**
 * The exit code of a server that cannot take the port it was given (sysexits.h EX_UNAVAILABLE):
 * distinct from a bad setting (78, EX_CONFIG), since the setting is valid and something else on
 * the machine holds the port, and from a crash (1).
 */
export const LISTEN_FAILED_EXIT_CODE = 69;

/** A port that could not be bound, named by the setting that chose it, so the fix is obvious. */
export class ListenError extends Error {
  readonly variable: string;
  readonly port: number;

  constructor(variable: string, port: number, cause: NodeJS.ErrnoException) {
    super(`${variable}=${port}: ${reason(port, cause)}`, { cause });
    this.name = 'ListenError';
    this.variable = variable;
    this.port = port;
  }
}

function reason(port: number, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use by another process (EADDRINUSE)`;
    case 'EACCES':
      return `no permission to listen on port ${port} (EACCES; ports below 1024 need privileges)`;
    default:
      return `cannot listen on port ${port}: ${error.message}`;
  }
}

/** Listens on `port`; rejects with a ListenError that names `variable`. */
export function listen(server: Server, port: number, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => reject(new ListenError(variable, port, error));
    server.once('error', fail);
    server.listen(port, () => {
      server.off('error', fail);
      resolve();
    });
  });
}
