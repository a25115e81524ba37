// Exactly which Redis commands the app sends per request: MONITOR on the primary while the app
// serves a few requests in a row, keeping only the lines of the app's own connections (the
// commands a Lua script calls show as "lua", Sentinel's and the replicas' under their own address).
import { connect } from 'node:net';
import { sleep, StopWaiting, waitFor, type RedisNode } from '../harness/index.ts';
import { callCounts, perRequest, scriptCalls, type PerRequest } from './commandstats.ts';

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/** The addresses of the app's connections (xwing names each one `xwing:...`). */
async function appConnections(node: RedisNode): Promise<Set<string>> {
  const clients = (await node.cli('CLIENT', 'LIST', 'TYPE', 'normal')).split('\n');
  const fields = (line: string) => new Map(line.split(' ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  return new Set(clients.map(fields).filter((c) => c.get('name')?.startsWith('xwing')).map((c) => c.get('addr') ?? ''));
}

/** What the app's connections send to `node`, per request, while `requests()` runs (it resolves with how many it made). */
export async function sentPerRequest(node: RedisNode, requests: () => Promise<number>): Promise<PerRequest> {
  // Requests a load generator left queued in the app (it was behind) would still be running scripts.
  await waitFor(
    `the app's scripts on ${node.name} to stop`,
    async () => {
      const before = scriptCalls(await callCounts(node));
      await sleep(100);
      return scriptCalls(await callCounts(node)) === before;
    },
    { timeoutMs: 10_000, intervalMs: 0 },
  );
  const apps = await appConnections(node);
  const lines: string[] = [];
  let partial = '';
  let failed: Error | undefined;
  const socket = connect({ host: node.host, port: node.port });
  socket.on('error', (error) => (failed = error));
  socket.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\r\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  try {
    const sending = node.password === undefined ? [['MONITOR']] : [['AUTH', node.password], ['MONITOR']];
    socket.write(sending.map(encode).join(''));
    const oks = sending.length;
    await waitFor(
      `MONITOR on ${node.name}`,
      () => {
        if (failed) throw new StopWaiting(`MONITOR on ${node.name}: ${failed.message}`);
        return lines.filter((l) => l === '+OK').length >= oks;
      },
      { timeoutMs: 2000, intervalMs: 5 },
    );
    const count = await requests();
    // The last replies reach the app before their MONITOR lines reach us.
    await sleep(100);
    const sent = new Map<string, number>();
    for (const line of lines) {
      const match = /^\+[\d.]+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
      if (match?.[1] && match[2] && apps.has(match[1])) sent.set(match[2].toLowerCase(), (sent.get(match[2].toLowerCase()) ?? 0) + 1);
    }
    return perRequest(new Map(), sent, count);
  } finally {
    socket.destroy();
  }
}
