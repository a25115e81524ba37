import { createRequire } from 'node:module';

/**
 * node:http, loaded with require(). An ESM import of it builds the module's ESM facade, which
 * reads every export, including the lazy WebSocket getters, and so loads undici: about 65 ms of
 * start-up for nothing (nodejs/node#59686, seen in a --cpu-prof of our start).
 */
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export const { createServer } = http;
