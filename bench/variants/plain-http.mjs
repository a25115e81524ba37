// Variant 1: bare node:http, no framework, no logging: the floor every other variant is measured against.
import { createServer } from 'node:http';
import { CREATED_AT, port, sessionBody, TTL_SECONDS } from './payload.mjs';

createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/auth/session') {
    const body = JSON.stringify(sessionBody('bench', CREATED_AT, TTL_SECONDS));
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(404).end();
}).listen(port());
