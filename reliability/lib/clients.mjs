// Misbehaving clients on raw sockets: each resolves with how long the server let it live and the
// first bytes the server sent, or gives up itself after `giveUpMs` (so a server that never cuts
// them makes the check fail instead of the suite hang).
import { connect } from 'node:net';

function socketLife({ host, port, giveUpMs }, onConnect) {
  return new Promise((resolve) => {
    const started = performance.now();
    let firstBytes = '';
    let idleSince;
    let timer;
    const socket = connect({ host, port });
    const finish = (cutByServer) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({
        cutByServer,
        lifetimeMs: performance.now() - started,
        idleMs: idleSince === undefined ? undefined : performance.now() - idleSince,
        status: Number(firstBytes.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0),
      });
    };
    const giveUp = setTimeout(() => finish(false), giveUpMs);
    socket.on('data', (chunk) => {
      if (firstBytes.length < 64) firstBytes += chunk.toString('latin1');
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      timer = onConnect(socket, () => (idleSince = performance.now()));
    });
  });
}

/** Slowloris: a request line, then one more header line every `trickleMs`, never the blank line. */
export function slowHeaders(options) {
  return socketLife(options, (socket) => {
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${options.host}\r\n`);
    let n = 0;
    return setInterval(() => socket.write(`X-Trickle-${n++}: a\r\n`), options.trickleMs);
  });
}

/** Complete headers announcing a body, then one byte of it every `trickleMs`. */
export function slowBody(options) {
  return socketLife(options, (socket) => {
    socket.write(`POST /auth/login HTTP/1.1\r\nHost: ${options.host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
    return setInterval(() => socket.write('"'), options.trickleMs);
  });
}

/** One complete request on a keep-alive connection, then silence; idleMs counts from the response. */
export function idleKeepAlive(options) {
  return socketLife(options, (socket, markIdle) => {
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${options.host}\r\nConnection: keep-alive\r\n\r\n`);
    socket.once('data', markIdle);
    return undefined;
  });
}

/** Connects and never sends a byte. */
export function silent(options) {
  return socketLife(options, () => undefined);
}
