import { describe, expect, it } from 'vitest';
import type { WardenEvent } from '../../../src/events/event.js';
import { ContextTracker, advanceContext } from '../../../src/model/context.js';

const at = (id: string, iso: string, outcome: WardenEvent['outcome'] = 'success'): WardenEvent => ({ id: `${id}-${iso}`, time: iso, identity: { id }, action: 'a:b', outcome });

describe('identity context', () => {
  it('counts a burst as a high per-minute rate and forgets it after an idle hour', () => {
    const t = new ContextTracker();
    let last = t.observe(at('bot', '2026-11-18T10:00:00.000Z'));
    for (let i = 1; i < 30; i++) last = t.observe(at('bot', `2026-11-18T10:00:${String(i).padStart(2, '0')}.000Z`));
    expect(last.rate1m).toBeGreaterThan(20);
    const later = t.observe(at('bot', '2026-11-18T11:30:00.000Z'));
    expect(later.rate1m).toBeLessThan(1.01);
    expect(later.secondsSincePrevious).toBe(5371);
  });

  it('keeps identities apart and counts recent failures', () => {
    const t = new ContextTracker();
    for (let i = 0; i < 5; i++) t.observe(at('a', `2026-11-18T10:00:0${i}.000Z`, 'denied'));
    const b = t.observe(at('b', '2026-11-18T10:00:05.000Z'));
    expect(b.failures10m).toBe(0);
    expect(b.secondsSincePrevious).toBeNull();
    const a = t.observe(at('a', '2026-11-18T10:00:06.000Z'));
    expect(a.failures10m).toBeGreaterThan(4.9);
  });

  it('does not decay backwards for an out-of-order event', () => {
    const s1 = advanceContext(undefined, 10_000, false).state;
    const { context, state } = advanceContext(s1, 5_000, false);
    expect(context.secondsSincePrevious).toBe(0);
    expect(state.lastTimeMs).toBe(10_000);
    expect(context.rate1m).toBe(2);
  });

  it('bounds memory by forgetting the least recently seen identity', () => {
    const t = new ContextTracker({ maxIdentities: 2 });
    t.observe(at('a', '2026-11-18T10:00:00Z'));
    t.observe(at('b', '2026-11-18T10:00:01Z'));
    t.observe(at('a', '2026-11-18T10:00:02Z'));
    t.observe(at('c', '2026-11-18T10:00:03Z'));
    expect(t.size).toBe(2);
    // b was evicted: its next event is a first event again; a was kept.
    expect(t.observe(at('b', '2026-11-18T10:00:04Z')).secondsSincePrevious).toBeNull();
  });
});
