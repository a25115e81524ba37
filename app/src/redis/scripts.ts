import type { Redis } from 'ioredis';

/**
 * Fixed-window counter for KEYS[1] with window ARGV[1] (ms): increment, arm the expiry on the
 * first hit (or if a crash left the key without one), leave `count` and `ttl` (ms) set. Being part
 * of one atomic script, N concurrent requests on any number of replicas admit exactly `limit`.
 * ARGV[2] is 0 when the request may already have been counted (a retry after a lost reply): the
 * counter is then only read, so a request is counted at most once.
 */
const COUNT_IN_WINDOW = `
local count
if ARGV[2] == '1' then
  count = redis.call('INCR', KEYS[1])
else
  count = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
`;

/**
 * The API limit and the session in one atomic script: KEYS[1] the client's counter, KEYS[2] the
 * session; ARGV[1] window (ms), ARGV[2] count (1) or only read (0), ARGV[3] limit, ARGV[4] session
 * TTL (s). A refused request does not slide its session. GETEX reads and re-arms the TTL at once
 * and never recreates a deleted key, so a logout on one replica cannot be undone by a concurrent
 * request on another.
 */
const ACCESS = `${COUNT_IN_WINDOW}
if count > tonumber(ARGV[3]) then
  return {count, ttl, false}
end
return {count, ttl, redis.call('GETEX', KEYS[2], 'EX', ARGV[4])}
`;

/** Deletes the lock only if this caller still owns it: a lock that expired may belong to another replica now. */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Whether a script call counts the request (1) or, on a retry that may already have counted it, only reads (0). */
export type Count = 0 | 1;

/** Every Lua script the service runs inside Redis. */
export interface Scripts {
  countInWindow(key: string, windowMs: number, count: Count): Promise<[count: number, ttlMs: number]>;
  access(counterKey: string, sessionKey: string, windowMs: number, count: Count, limit: number, ttlSeconds: number): Promise<[count: number, ttlMs: number, session: string | null]>;
  unlock(key: string, owner: string): Promise<number>;
}

interface ScriptedRedis extends Redis {
  xwingCountInWindow: Scripts['countInWindow'];
  xwingAccess: Scripts['access'];
  xwingUnlock: Scripts['unlock'];
}

/**
 * Registers the scripts with the client, once: ioredis sends EVALSHA and, on every new connection
 * and after NOSCRIPT (a restarted or freshly promoted Redis, whose script cache is empty), EVAL
 * with the body.
 */
export function registerScripts(redis: Redis): Scripts {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.xwingAccess !== 'function') {
    redis.defineCommand('xwingCountInWindow', { numberOfKeys: 1, lua: `${COUNT_IN_WINDOW}return {count, ttl}` });
    redis.defineCommand('xwingAccess', { numberOfKeys: 2, lua: ACCESS });
    redis.defineCommand('xwingUnlock', { numberOfKeys: 1, lua: UNLOCK });
  }
  return {
    countInWindow: (...args) => scripted.xwingCountInWindow(...args),
    access: (...args) => scripted.xwingAccess(...args),
    unlock: (...args) => scripted.xwingUnlock(...args),
  };
}
