import { describe, expect, it } from 'vitest';
import { operatorBlockRecord, operatorLiftRecord, parseDuration } from '../../../src/enforcer/operator-records.js';

describe('parseDuration', () => {
  it('reads the units operators type', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('never')).toBeNull();
  });
  it('refuses what it cannot read instead of guessing', () => {
    for (const bad of ['1 hour', '10', 'h', '1h junk', '0s']) expect(() => parseDuration(bad)).toThrow(/duration/);
  });
});

describe('operator records', () => {
  const now = Date.parse('2026-11-20T02:00:00Z');
  it('makes a block with expiry, scope and operator', () => {
    expect(operatorBlockRecord({ identity: 'svc-a', tokenId: 't1', reason: 'leak', ttlMs: 3_600_000, actions: ['iam:*'], operator: 'alice', nowMs: now })).toEqual({
      identity: 'svc-a', tokenId: 't1', state: 'block', actions: ['iam:*'], reason: 'leak', decisionId: null, source: 'operator:alice',
      createdAt: '2026-11-20T02:00:00.000Z', expiresAt: '2026-11-20T03:00:00.000Z',
    });
    expect(operatorBlockRecord({ identity: 'svc-a', reason: 'x', ttlMs: null, operator: 'a', nowMs: now }).expiresAt).toBeNull();
  });
  it('refuses identities that would collide with token keys', () => {
    expect(() => operatorBlockRecord({ identity: 'svc|a', reason: 'x', ttlMs: null, operator: 'a', nowMs: now })).toThrow(/--token/);
  });
  it('makes a lift', () => {
    expect(operatorLiftRecord({ identity: 'svc-a', reason: 'ok', operator: 'bob', nowMs: now })).toMatchObject({ state: 'lift', source: 'operator:bob', expiresAt: null });
  });
});
