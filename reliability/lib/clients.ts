// Misbehaving clients on raw sockets: each resolves with how long the server let it live and the
// status the server answered with, or gives up itself after `giveUpMs` (so a server that never
// cuts them makes the check fail instead of the suite hang).
import { connect, type Socket } from 'node:net';

export interface SocketTarget {
  host: string;
  port: number;
  /** Between two trickled bytes or header lines. */
  trickleMs: number;
  giveUpMs: number;
}

export interface SocketLife {
  /** The server closed the connection (rather than the client giving up). */
  cutByServer: boolean;
  lifetimeMs: number;
  /** From the response to the close, for a connection left idle after a response. */
  idleMs: number | undefined;
  /** The HTTP status of the server's first bytes; 0 when it sent none. */
  status: number;
}

/** What a client does once connected; returns the timer that drives it, if any. */
type Behaviour = (socket: Socket, markIdle: () => void) => NodeJS.Timeout | undefined;

function socketLife({ host, port, giveUpMs }: SocketTarget, behave: Behaviour): Promise<SocketLife> {
  return new Promise((resolve) => {
    // From the completed handshake, not the connect() call: 600 sockets opened at once can
    // overflow the listen backlog, and a dropped SYN is resent a second later, before the
    // server has seen the connection at all (seen in CI as a silent socket cut 3.6 s after connect()).
    let started = performance.now();
    let firstBytes = '';
    let idleSince: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect({ host, port });
    const finish = (cutByServer: boolean) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({
        cutByServer,
        lifetimeMs: performance.now() - started,
        idleMs: idleSince === undefined ? undefined : performance.now() - idleSince,
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(firstBytes)?.[1] ?? 0),
      });
    };
    const giveUp = setTimeout(() => finish(false), giveUpMs);
    socket.on('data', (chunk: Buffer) => {
      if (firstBytes.length < 64) firstBytes += chunk.toString('latin1');
    });
    socket.on('close', () => finish(true));
    // A reset by the server ends in 'close' too; the error itself says nothing more.
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      started = performance.now();
      timer = behave(socket, () => (idleSince = performance.now()));
    });
  });
}

/** Slowloris: a request line, then one more header line every `trickleMs`, never the blank line. */
export function slowHeaders(target: SocketTarget): Promise<SocketLife> {
  return socketLife(target, (socket) => {
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${target.host}\r\n`);
    let n = 0;
    return setInterval(() => socket.write(`X-Trickle-${n++}: a\r\n`), target.trickleMs);
  });
}

/** Complete headers announcing a body, then one byte of it every `trickleMs`. */
export function slowBody(target: SocketTarget): Promise<SocketLife> {
  return socketLife(target, (socket) => {
    socket.write(`POST /auth/login HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
    return setInterval(() => socket.write('"'), target.trickleMs);
  });
}

/** One complete request on a keep-alive connection, then silence; idleMs counts from the response. */
export function idleKeepAlive(target: SocketTarget): Promise<SocketLife> {
  return socketLife(target, (socket, markIdle) => {
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n\r\n`);
    socket.once('data', markIdle);
    return undefined;
  });
}

/** Connects and never sends a byte. */
export function silent(target: SocketTarget): Promise<SocketLife> {
  return socketLife(target, () => undefined);
}
