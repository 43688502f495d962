import { describe, expect, it } from 'vitest';
import type { BlockRecord } from '../../../src/decisions/block-record.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { BlockTracker } from '../../../src/pipeline/block-tracker.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;

function decision(verdict: Decision['verdict'], over: Partial<Decision> = {}): Decision {
  return {
    decisionId: `d-${verdict}`, eventId: 'e1', identity: 'svc-a', owner: null, action: 'iam:CreateAccessKey', resource: null,
    eventTime: new Date(T0).toISOString(), decidedAt: new Date(T0).toISOString(), verdict, score: 90, mode: 'enforce',
    reasons: [{ code: 'NEW_ACTION', detail: 'first use', weight: 40 }, { code: 'POLICY_NOT_ALLOWED', detail: 'no', weight: 50 }],
    policy: { id: null, version: 'v' }, model: null, ...over,
  };
}

function record(state: BlockRecord['state'], atMs: number, over: Partial<BlockRecord> = {}): BlockRecord {
  return {
    identity: 'svc-a', state, reason: 'r', decisionId: null, source: state === 'lift' ? 'operator:alice' : 'warden',
    createdAt: new Date(atMs).toISOString(), expiresAt: state === 'lift' ? null : new Date(atMs + 60 * MIN).toISOString(), ...over,
  };
}

describe('BlockTracker', () => {
  const tracker = (): BlockTracker => new BlockTracker({ ttlSeconds: 3600, scope: 'identity' });

  it('publishes one record for a burst of blocks, renews it past half its TTL, ignores allow, alert and shadow blocks', () => {
    const t = tracker();
    expect(t.recordFor(decision('allow'), undefined, T0)).toBeNull();
    expect(t.recordFor(decision('alert'), undefined, T0)).toBeNull();
    expect(t.recordFor(decision('block', { mode: 'shadow' }), undefined, T0)).toBeNull();
    const first = t.recordFor(decision('block'), undefined, T0);
    expect(first).toMatchObject({ identity: 'svc-a', state: 'block', source: 'warden', decisionId: 'd-block', reason: 'risk 90: NEW_ACTION, POLICY_NOT_ALLOWED', expiresAt: '2026-11-25T13:00:00.000Z' });
    expect(t.recordFor(decision('block'), undefined, T0 + 29 * MIN)).toBeNull();
    expect(t.recordFor(decision('block'), undefined, T0 + 31 * MIN)?.expiresAt).toBe('2026-11-25T13:31:00.000Z');
  });

  it('keys token-scoped blocks by identity and token', () => {
    const t = new BlockTracker({ ttlSeconds: 3600, scope: 'token' });
    expect(t.recordFor(decision('block'), 'tok-1', T0)).toMatchObject({ tokenId: 'tok-1' });
    expect(t.recordFor(decision('block'), 'tok-2', T0)).toMatchObject({ tokenId: 'tok-2' });
    expect(t.recordFor(decision('block'), 'tok-1', T0 + MIN)).toBeNull();
  });

  it('publishes again at once after a lift newer than its block, not after an older one', () => {
    const t = tracker();
    expect(t.recordFor(decision('block'), undefined, T0)).not.toBeNull();
    expect(t.observe(record('lift', T0 - MIN), T0)).toBe(false);
    expect(t.recordFor(decision('block'), undefined, T0 + MIN)).toBeNull();
    expect(t.observe(record('lift', T0 + 2 * MIN), T0 + 2 * MIN)).toBe(true);
    expect(t.recordFor(decision('block'), undefined, T0 + 3 * MIN)).not.toBeNull();
  });

  it('counts Warden blocks read from the topic as published (restart, rebalance) but not operator or partial blocks', () => {
    const t = tracker();
    t.observe(record('block', T0 - 5 * MIN), T0);
    expect(t.inForce('svc-a', undefined, T0)).toBe(true);
    expect(t.recordFor(decision('block'), undefined, T0)).toBeNull();

    const u = tracker();
    u.observe(record('block', T0 - 5 * MIN, { source: 'operator:bob' }), T0);
    u.observe(record('block', T0 - 5 * MIN, { actions: ['iam:*'] }), T0);
    u.observe(record('block', T0 - 5 * MIN, { expiresAt: null }), T0);
    expect(u.inForce('svc-a', undefined, T0)).toBe(false);
    expect(u.recordFor(decision('block'), undefined, T0)).not.toBeNull();
  });

  it('re-reading the topic ends in the same state: an older block read after a lift does not bring the block back', () => {
    const t = tracker();
    for (const r of [record('block', T0 - 10 * MIN), record('lift', T0 - 5 * MIN), record('block', T0 - 10 * MIN)]) t.observe(r, T0);
    expect(t.inForce('svc-a', undefined, T0)).toBe(false);
    expect(t.recordFor(decision('block'), undefined, T0)).not.toBeNull();
    expect(t.inForce('svc-a', undefined, T0)).toBe(true);
  });

  it('a block read back whose expiry has passed is renewed by the next block decision', () => {
    const t = tracker();
    t.observe(record('block', T0 - 120 * MIN), T0);
    expect(t.recordFor(decision('block'), undefined, T0)).not.toBeNull();
  });

  it('a block record withdrawn (its produce failed) is published again by the next block decision', () => {
    const t = tracker();
    const first = t.recordFor(decision('block'), undefined, T0);
    expect(first).not.toBeNull();
    expect(t.recordFor(decision('block'), undefined, T0 + MIN)).toBeNull();
    t.withdraw(first!);
    expect(t.inForce('svc-a', undefined, T0 + MIN)).toBe(false);
    const again = t.recordFor(decision('block'), undefined, T0 + 2 * MIN);
    expect(again?.createdAt).toBe(new Date(T0 + 2 * MIN).toISOString());
    // Withdrawing an older record leaves the newer one in force.
    t.withdraw(first!);
    expect(t.inForce('svc-a', undefined, T0 + 2 * MIN)).toBe(true);
  });
});
