import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import { inject } from 'vitest';
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logging/logger.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { createRedis } from "../../src/redis.js";
/** Log lines the app wrote, parsed, so tests can assert on what reached (or never reached) the log. */
export class LogCapture extends Writable {
    lines = [];
    raw = '';
    _write(chunk, _encoding, callback) {
        const text = chunk.toString();
        this.raw += text;
        for (const line of text.split('\n'))
            if (line.trim())
                this.lines.push(JSON.parse(line));
        callback();
    }
}
export const TEST_ENV = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PROFILE_LOOKUP_MS: '50',
    PASSWORD_SCRYPT_COST: '1024',
    REDIS_COMMAND_TIMEOUT_MS: '300',
};
export function uniquePrefix() {
    return `t${randomUUID().slice(0, 8)}:`;
}
/** Builds the real app on a real Redis, the same way server.ts does, minus sockets and signals. */
export async function testApp(options = {}) {
    const prefix = options.prefix ?? uniquePrefix();
    const config = loadConfig({
        ...TEST_ENV,
        REDIS_URL: options.redisUrl ?? inject('redisUrl'),
        REDIS_KEY_PREFIX: prefix,
        ...options.env,
    });
    const logs = new LogCapture();
    const logger = createLogger(config.LOG_LEVEL, logs);
    const metrics = createMetrics({ version: 'test', commit: 'test' });
    const redis = createRedis(config, 'xwing-test');
    redis.on('error', () => undefined);
    await redis.connect();
    const app = createApp({
        config,
        redis,
        logger,
        metrics,
        servedBy: options.servedBy ?? 'test-pod',
        ...(options.profileLookup ? { profileLookup: options.profileLookup } : {}),
    });
    return {
        app,
        http: supertest(app),
        redis,
        metrics,
        logs,
        logger,
        config,
        prefix,
        close: async () => {
            await redis.quit().catch(() => redis.disconnect());
        },
    };
}
export async function registerAndLogin(t, username = `u${randomUUID().slice(0, 8)}`, password = 'correct horse battery') {
    await t.http.post('/auth/register').send({ username, password }).expect(201);
    const login = await t.http.post('/auth/login').send({ username, password }).expect(200);
    return { username, password, token: login.body.token };
}
export const bearer = (token) => ({ Authorization: `Bearer ${token}` });
/** Several instances with their own Redis connections and one shared key space: one service. */
export async function testFleet(names, options = {}) {
    const prefix = uniquePrefix();
    return Promise.all(names.map((servedBy) => testApp({ ...options, prefix, servedBy })));
}
//# sourceMappingURL=harness.js.map