import { isIP } from 'node:net';
import type { Request } from 'express';

/** The first four groups of an IPv6 address, written out: the /64 a single host usually owns. */
function ipv6Subnet64(address: string): string {
  const [head = '', tail] = (address.split('%')[0] ?? '').split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const tailSize = tailGroups.reduce((size, group) => size + (group.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailSize).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups].slice(0, 4);
  return `${groups.map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`;
}

/**
 * Who a rate limit counts. An IPv6 host usually owns a whole /64 and could rotate addresses past
 * any per-address limit, so IPv6 clients are counted by /64. Anything that is not an address (a
 * TRUST_PROXY hop count set too high lets the client write req.ip) falls back to the peer, so that
 * a client can neither dodge the limit nor mint Redis keys.
 */
export function clientAddress(req: Request): string {
  // Without X-Forwarded-For, req.ip is the peer whatever TRUST_PROXY says; reading it would only
  // run Express's proxy-addr over an absent header, on every request.
  const ip = req.headers['x-forwarded-for'] === undefined ? req.socket.remoteAddress : req.ip;
  const address = ip !== undefined && isIP(ip) !== 0 ? ip : (req.socket.remoteAddress ?? 'unknown');
  if (isIP(address) !== 6) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? ipv6Subnet64(address);
}
