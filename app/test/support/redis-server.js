import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
export function freePort() {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
        });
    });
}
/** A real redis-server of our own, persisted with an append-only file in a temporary directory. */
export async function startRedisServer(extraArgs = []) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'xwing-redis-'));
    const url = `redis://127.0.0.1:${port}`;
    let child;
    const start = async () => {
        child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction', ...extraArgs], { stdio: 'ignore' });
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline) {
            const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
            probe.on('error', () => undefined);
            try {
                await probe.connect();
                await probe.ping();
                return;
            }
            catch {
                await sleep(50);
            }
            finally {
                probe.disconnect();
            }
        }
        throw new Error(`redis-server on port ${port} did not start`);
    };
    const exited = (signal) => new Promise((resolve) => {
        if (!child || child.exitCode !== null || child.signalCode !== null)
            return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
    });
    await start();
    return {
        url,
        port,
        dir,
        start,
        kill: () => exited('SIGKILL'),
        stop: async () => {
            await exited('SIGTERM');
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
//# sourceMappingURL=redis-server.js.map