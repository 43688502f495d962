import { describe, expect, it } from 'vitest';
import { BlockTable } from '../../../src/enforcer/block-table.js';
import type { TableChange } from '../../../src/enforcer/block-table.js';
import type { BlockRecord } from '../../../src/decisions/block-record.js';

const T0 = Date.parse('2026-11-20T02:00:00Z');

function rec(identity: string, overrides: Partial<BlockRecord> = {}): BlockRecord {
  return { identity, state: 'block', reason: 'r', decisionId: 'd1', source: 'warden', createdAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + 60_000).toISOString(), ...overrides };
}

function table(): { t: BlockTable; changes: string[] } {
  const changes: string[] = [];
  const t = new BlockTable((c: TableChange) => changes.push(`${c.type} ${'block' in c ? c.block.key : c.key}`));
  return { t, changes };
}

describe('BlockTable', () => {
  it('blocks an identity with all its tokens, and a token block only that token', () => {
    const { t } = table();
    t.apply(rec('svc-a'), T0);
    t.apply(rec('svc-b', { tokenId: 'tok-1' }), T0);
    expect(t.check('svc-a', undefined, undefined, T0).allowed).toBe(false);
    expect(t.check('svc-a', 'any-token', undefined, T0).allowed).toBe(false);
    expect(t.check('svc-b', 'tok-1', undefined, T0)).toMatchObject({ allowed: false, block: { key: 'svc-b|tok-1' } });
    expect(t.check('svc-b', 'tok-2', undefined, T0).allowed).toBe(true);
    expect(t.check('svc-b', undefined, undefined, T0).allowed).toBe(true);
  });

  it('lets the latest record per key win and reports a lift only when something was blocked', () => {
    const { t, changes } = table();
    t.apply(rec('svc-a', { state: 'lift', expiresAt: null }), T0);
    t.apply(rec('svc-a'), T0);
    t.apply(rec('svc-a', { state: 'lift', expiresAt: null }), T0);
    expect(t.check('svc-a', undefined, undefined, T0).allowed).toBe(true);
    expect(changes).toEqual(['block svc-a', 'lift svc-a']);
  });

  // Expiry (on lookup, on sweep, already expired when read): test/security/enforcer-records.test.ts.

  it('scopes a block to its actions with * wildcards, and applies it when the action is unknown', () => {
    const { t } = table();
    t.apply(rec('svc-a', { actions: ['iam:*', 'POST /admin/*'] }), T0);
    expect(t.check('svc-a', undefined, 'iam:CreateAccessKey', T0).allowed).toBe(false);
    expect(t.check('svc-a', undefined, 'POST /admin/users', T0).allowed).toBe(false);
    expect(t.check('svc-a', undefined, 's3:GetObject', T0).allowed).toBe(true);
    expect(t.check('svc-a', undefined, 'GET /admin/users', T0).allowed).toBe(true);
    expect(t.check('svc-a', undefined, undefined, T0).allowed).toBe(false);
  });

  it('matches the method of an HTTP action pattern in any case, the path exactly', () => {
    const { t } = table();
    t.apply(rec('svc-a', { actions: ['get /admin/*'] }), T0);
    expect(t.check('svc-a', undefined, 'GET /admin/users', T0).allowed).toBe(false);
    expect(t.check('svc-a', undefined, 'Get /admin/users', T0).allowed).toBe(false);
    expect(t.check('svc-a', undefined, 'GET /ADMIN/users', T0).allowed).toBe(true);
    expect(t.check('svc-a', undefined, 'POST /admin/users', T0).allowed).toBe(true);
  });

  it('does not re-announce the same record read again after a consumer restart', () => {
    const { t, changes } = table();
    t.apply(rec('svc-a'), T0);
    t.apply(rec('svc-a'), T0 + 10);
    expect(changes).toEqual(['block svc-a']);
  });

  it('lists active blocks soonest expiry first', () => {
    const { t } = table();
    t.apply(rec('svc-late', { expiresAt: null }), T0);
    t.apply(rec('svc-soon', { expiresAt: new Date(T0 + 1000).toISOString() }), T0);
    t.apply(rec('svc-mid'), T0);
    expect(t.list(T0).map((b) => b.identity)).toEqual(['svc-soon', 'svc-mid', 'svc-late']);
    expect(t.list(T0 + 5000).map((b) => b.identity)).toEqual(['svc-mid', 'svc-late']);
  });
});
