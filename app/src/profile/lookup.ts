import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Profile {
  username: string;
  displayName: string;
  avatarColor: string;
  tier: 'bronze' | 'silver' | 'gold';
  generatedAt: string;
}

export type ProfileLookup = (username: string) => Promise<Profile>;

const TIERS = ['bronze', 'silver', 'gold'] as const;

/**
 * Stands in for a slow downstream (a database join, a partner API): it waits, then derives a
 * stable profile from the username so that cached and fresh answers can be compared.
 */
export function simulatedProfileLookup(latencyMs: number): ProfileLookup {
  return async (username) => {
    await sleep(latencyMs);
    const digest = createHash('sha256').update(username).digest();
    return {
      username,
      displayName: username.replace(/(^|[._-])(\w)/g, (_match, separator: string, letter: string) =>
        `${separator ? ' ' : ''}${letter.toUpperCase()}`,
      ),
      avatarColor: `#${digest.subarray(0, 3).toString('hex')}`,
      tier: TIERS[digest.readUInt8(3) % TIERS.length] ?? 'bronze',
      generatedAt: new Date().toISOString(),
    };
  };
}
