import { hash, randomBytes } from 'node:crypto';

/** 32 random bytes: 256 bits, base64url without padding (43 characters). */
export const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Rejects junk before it costs a Redis round trip. */
export function isWellFormedToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/**
 * Redis holds only this digest, so a leaked dump or MONITOR output cannot be replayed. A plain
 * hash suffices: the token already has 256 bits of entropy, unlike a password.
 */
export function hashToken(token: string): string {
  return hash('sha256', token, 'base64url');
}
