// A minimal RESP2 client for the harness's own questions to Redis and Sentinel (PING, INFO, ROLE,
// SENTINEL ..., CLIENT PAUSE): one short connection per call, a hard deadline, error replies as
// rejections. Faster than spawning redis-cli per poll, and unlike redis-cli it tells an error
// reply from a string. Applications under test use their own client (ioredis); this is not one.
import { connect } from 'node:net';

export type Reply = string | number | null | Reply[];

export class ReplyError extends Error {
  override name = 'ReplyError';
}

export interface Endpoint {
  host: string;
  port: number;
  password?: string | undefined;
}

function encode(args: readonly (string | number)[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) {
    const text = String(arg);
    parts.push(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
  }
  return Buffer.from(parts.join(''));
}

/** Parses one reply at `offset`; undefined when the buffer does not hold all of it yet. */
function parse(buffer: Buffer, offset: number): { value: Reply | ReplyError; next: number } | undefined {
  const end = buffer.indexOf('\r\n', offset);
  if (end === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, end);
  switch (type) {
    case '+':
      return { value: line, next: end + 2 };
    case '-':
      return { value: new ReplyError(line), next: end + 2 };
    case ':':
      return { value: Number(line), next: end + 2 };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: end + 2 };
      if (buffer.length < end + 2 + length + 2) return undefined;
      return { value: buffer.toString('utf8', end + 2, end + 2 + length), next: end + 2 + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: end + 2 };
      const items: Reply[] = [];
      let next = end + 2;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, next);
        if (!item) return undefined;
        // An error inside an array (e.g. in EXEC's replies) stays a value, as text.
        items.push(item.value instanceof ReplyError ? `ERROR ${item.value.message}` : item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

/**
 * Sends `commands` in order on one connection (AUTH first when `password` is set) and resolves
 * with their replies; rejects on the first error reply, on a connection error, or after
 * `timeoutMs` (a SIGSTOPped server never answers).
 */
export function commands(endpoint: Endpoint, list: readonly (readonly (string | number)[])[], timeoutMs = 2000): Promise<Reply[]> {
  const all = endpoint.password === undefined ? list : [['AUTH', endpoint.password], ...list];
  return new Promise((resolve, reject) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const timer = setTimeout(
      () => finish(new Error(`${endpoint.host}:${endpoint.port} did not answer ${describe(list)} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let buffer = Buffer.alloc(0);
    const replies: Reply[] = [];
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(endpoint.password === undefined ? replies : replies.slice(1));
    };
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(Buffer.concat(all.map(encode))));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let offset = 0;
      try {
        for (let item = parse(buffer, offset); item; item = parse(buffer, offset)) {
          offset = item.next;
          if (item.value instanceof ReplyError) return finish(new ReplyError(`${describe([all[replies.length] ?? []])}: ${item.value.message}`));
          replies.push(item.value);
        }
      } catch (error) {
        return finish(error as Error);
      }
      buffer = buffer.subarray(offset);
      if (replies.length === all.length) finish();
    });
    socket.on('error', (error) => finish(new Error(`${endpoint.host}:${endpoint.port}: ${error.message}`, { cause: error })));
    socket.on('close', () => finish(new Error(`${endpoint.host}:${endpoint.port} closed the connection after ${replies.length} of ${all.length} replies`)));
  });
}

/** One command; the reply as redis-cli prints it in raw mode (arrays one item a line). */
export async function command(endpoint: Endpoint, args: readonly (string | number)[], timeoutMs = 2000): Promise<string> {
  const [reply] = await commands(endpoint, [args], timeoutMs);
  return asText(reply ?? null);
}

export function asText(reply: Reply): string {
  if (reply === null) return '';
  if (Array.isArray(reply)) return reply.map(asText).join('\n');
  return String(reply);
}

/** `INFO <section>` text as a map of its `key:value` lines. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

function describe(list: readonly (readonly (string | number)[])[]): string {
  // Never echo a password into an error message.
  return list.map((args) => (String(args[0]).toUpperCase() === 'AUTH' ? 'AUTH ***' : args.slice(0, 3).join(' '))).join('; ');
}
