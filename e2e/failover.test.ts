import { describe, expect, it } from 'vitest';
import { failover } from './fault.ts';
import type { View } from './redis-view.ts';

const VICTIM = 'redis-1';
const replicaOf = (primary: string) => ({ role: 'slave', primary, link: 'up', syncing: false, offset: 0 });
const primary = { role: 'master', primary: undefined, link: undefined, syncing: false, offset: 0 };

/** A view at `at` ms in which Sentinels a, b and c (the victim's pod) name what is given; redis-0 is primary from 1 s on. */
function view(at: number, a: string | null, b: string | null, c: string | null = null): View {
  return {
    at,
    named: { 'redis-0': a, 'redis-2': b, 'redis-1': c },
    nodes: { 'redis-0': at >= 1000 ? primary : replicaOf(VICTIM), 'redis-1': null, 'redis-2': replicaOf(at >= 1000 ? 'redis-0' : VICTIM) },
  };
}

describe('what the Sentinels did after the primary was deleted', () => {
  it('does not take a Sentinel that has not heard of the switch yet for one going back', () => {
    const views = [view(0, VICTIM, VICTIM), view(2000, 'redis-0', VICTIM), view(2250, 'redis-0', VICTIM), view(3500, 'redis-0', 'redis-0')];
    expect(failover(views, VICTIM, 0)).toMatchObject({
      newPrimary: 'redis-0',
      sentinelsFirstMs: 2000,
      sentinelsAllMs: 3500,
      sentinelsNamedVictimAgain: false,
    });
  });

  it('catches a Sentinel that named the new primary and then the victim again', () => {
    const views = [view(0, VICTIM, VICTIM), view(2000, 'redis-0', VICTIM), view(2250, VICTIM, VICTIM), view(3500, 'redis-0', 'redis-0')];
    expect(failover(views, VICTIM, 0).sentinelsNamedVictimAgain).toBe(true);
  });

  it("catches any Sentinel naming the victim once all had agreed on another, the victim's own restarted one too", () => {
    const views = [view(0, VICTIM, VICTIM), view(2000, 'redis-0', 'redis-0'), view(4000, 'redis-0', 'redis-0', VICTIM)];
    expect(failover(views, VICTIM, 0)).toMatchObject({ sentinelsAllMs: 2000, sentinelsNamedVictimAgain: true });
  });

  it('ignores what Sentinels said before the deletion', () => {
    const views = [view(0, 'redis-0', 'redis-0'), view(500, VICTIM, VICTIM), view(2000, 'redis-0', 'redis-0')];
    expect(failover(views, VICTIM, 1000)).toMatchObject({ sentinelsAllMs: 1000, sentinelsNamedVictimAgain: false });
  });
});
