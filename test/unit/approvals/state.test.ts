import { describe, expect, it } from 'vitest';
import { isWardenError } from '../../../src/errors.js';
import { approve, cancel, deny, effectiveState, grantInForce, openRequest, overdueRecord, revoke } from '../../../src/approvals/state.js';
import { MIN, T0, pending } from './helpers.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isWardenError(err) ? err.code : `not a WardenError: ${String(err)}`;
  }
  return 'no error';
}

describe('approval requests: opening', () => {
  it('opens pending with version 1, the requester, upper-cased HTTP methods and a pending TTL', () => {
    const r = pending({ actions: ['get /items/*', 's3:GetObject'], resources: ['arn:aws:s3:::cat/*'] });
    expect(r).toMatchObject({ kind: 'warden.approval', version: 1, state: 'pending', transition: 'open', requestedBy: 'alice', updatedBy: 'alice', actions: ['GET /items/*', 's3:GetObject'], resources: ['arn:aws:s3:::cat/*'], approvals: [] });
    expect(r.pendingExpiresAt).toBe(new Date(T0 + 60 * MIN).toISOString());
    expect(r.grantExpiresAt).toBeUndefined();
    expect(openRequest({ ...baseInput(), id: undefined }).id).toMatch(/^apr-[0-9a-f]{16}$/);
  });

  it('refuses a request without identity, requester, reason, action or positive TTL', () => {
    expect(codeOf(() => pending({ identity: ' ' }))).toBe('WARDEN_USAGE');
    expect(codeOf(() => pending({ requestedBy: '' }))).toBe('WARDEN_USAGE');
    expect(codeOf(() => pending({ reasons: [' '] }))).toBe('WARDEN_USAGE');
    expect(codeOf(() => pending({ actions: [] }))).toBe('WARDEN_USAGE');
    expect(codeOf(() => pending({ grantTtlMs: 0 }))).toBe('WARDEN_USAGE');
    expect(codeOf(() => pending({ required: 0 }))).toBe('WARDEN_USAGE');
  });
});

function baseInput() {
  const r = pending();
  return { identity: r.identity, actions: r.actions, reasons: r.reasons, risk: null, owner: null, criticality: null, required: 1, origin: r.origin, requestedBy: 'alice', grantTtlMs: MIN, pendingTtlMs: MIN, nowMs: T0 };
}

describe('approval requests: every transition', () => {
  it('pending → approved by another operator: a grant from now for the TTL', () => {
    const g = approve(pending(), 'bob', T0 + MIN, 'ok for the release');
    expect(g).toMatchObject({ state: 'approved', transition: 'grant', version: 2, updatedBy: 'bob', comment: 'ok for the release', approvals: [{ by: 'bob', comment: 'ok for the release' }] });
    expect(g.grantedAt).toBe(new Date(T0 + MIN).toISOString());
    expect(g.grantExpiresAt).toBe(new Date(T0 + 31 * MIN).toISOString());
    expect(g.sig).toBeUndefined();
    expect(grantInForce(g, T0 + 30 * MIN)).toBe(true);
  });

  it('needs `required` distinct approvers: the first approval keeps it pending', () => {
    const one = approve(pending({ required: 2 }), 'bob', T0 + MIN);
    expect(one).toMatchObject({ state: 'pending', transition: 'approve', version: 2 });
    expect(codeOf(() => approve(one, 'bob', T0 + 2 * MIN))).toBe('WARDEN_APPROVAL_DUPLICATE');
    const two = approve(one, 'carol', T0 + 2 * MIN);
    expect(two).toMatchObject({ state: 'approved', version: 3 });
    expect(two.approvals.map((v) => v.by)).toEqual(['bob', 'carol']);
  });

  it('raises required to the bar the inventory sets now, never lowers it', () => {
    const first = approve(pending({ required: 1, criticality: null }), 'bob', T0, undefined, { required: 2, criticality: 'critical' });
    expect(first).toMatchObject({ state: 'pending', required: 2, criticality: 'critical' });
    expect(approve(pending({ required: 2 }), 'bob', T0, undefined, { required: 1, criticality: 'low' })).toMatchObject({ state: 'pending', required: 2, criticality: 'high' });
  });

  it('the requester can never approve, nor deny, their own request', () => {
    expect(codeOf(() => approve(pending(), 'alice', T0))).toBe('WARDEN_APPROVAL_SELF');
    expect(codeOf(() => deny(pending(), 'alice', T0))).toBe('WARDEN_APPROVAL_SELF');
    expect(codeOf(() => approve(approve(pending({ required: 2 }), 'bob', T0), 'alice', T0))).toBe('WARDEN_APPROVAL_SELF');
  });

  it('pending → denied, → cancelled (by the requester only)', () => {
    expect(deny(pending(), 'bob', T0, 'not in a freeze')).toMatchObject({ state: 'denied', transition: 'deny', updatedBy: 'bob', comment: 'not in a freeze' });
    expect(cancel(pending(), 'alice', T0)).toMatchObject({ state: 'cancelled', transition: 'cancel' });
    expect(codeOf(() => cancel(pending(), 'bob', T0))).toBe('WARDEN_APPROVAL_STATE');
  });

  it('approved → revoked by anyone, approver or not', () => {
    const g = approve(pending(), 'bob', T0);
    expect(revoke(g, 'bob', T0 + MIN)).toMatchObject({ state: 'revoked', transition: 'revoke', version: 3 });
    expect(revoke(g, 'alice', T0 + MIN)).toMatchObject({ state: 'revoked', updatedBy: 'alice' });
  });

  it('pending → expired once its TTL passes: read off the clock, then recorded', () => {
    const r = pending();
    expect(effectiveState(r, T0 + 60 * MIN - 1)).toBe('pending');
    expect(effectiveState(r, T0 + 60 * MIN)).toBe('expired');
    expect(overdueRecord(r, 'cron', T0 + 59 * MIN)).toBeNull();
    expect(overdueRecord(r, 'cron', T0 + 61 * MIN)).toMatchObject({ state: 'expired', transition: 'expire', version: 2, updatedBy: 'cron' });
    expect(codeOf(() => approve(r, 'bob', T0 + 61 * MIN))).toBe('WARDEN_APPROVAL_STATE');
  });

  it('approved → lapsed once the grant TTL passes: no longer in force, cannot be revoked', () => {
    const g = approve(pending(), 'bob', T0);
    expect(effectiveState(g, T0 + 30 * MIN)).toBe('lapsed');
    expect(grantInForce(g, T0 + 30 * MIN)).toBe(false);
    expect(overdueRecord(g, 'cron', T0 + 31 * MIN)).toMatchObject({ state: 'lapsed', transition: 'lapse', version: 3 });
    expect(codeOf(() => revoke(g, 'bob', T0 + 31 * MIN))).toBe('WARDEN_APPROVAL_STATE');
  });

  it('refuses every illegal transition from each state', () => {
    const states = {
      approved: approve(pending(), 'bob', T0),
      denied: deny(pending(), 'bob', T0),
      cancelled: cancel(pending(), 'alice', T0),
      expired: overdueRecord(pending(), 'cron', T0 + 61 * MIN)!,
      revoked: revoke(approve(pending(), 'bob', T0), 'bob', T0),
      lapsed: overdueRecord(approve(pending(), 'bob', T0), 'cron', T0 + 31 * MIN)!,
    };
    for (const [state, r] of Object.entries(states)) {
      expect(r.state, state).toBe(state);
      expect(codeOf(() => approve(r, 'carol', T0 + MIN)), `approve ${state}`).toBe('WARDEN_APPROVAL_STATE');
      expect(codeOf(() => deny(r, 'carol', T0 + MIN)), `deny ${state}`).toBe('WARDEN_APPROVAL_STATE');
      expect(codeOf(() => cancel(r, 'alice', T0 + MIN)), `cancel ${state}`).toBe('WARDEN_APPROVAL_STATE');
      if (state !== 'approved') expect(codeOf(() => revoke(r, 'carol', T0 + MIN)), `revoke ${state}`).toBe('WARDEN_APPROVAL_STATE');
    }
    expect(codeOf(() => revoke(pending(), 'bob', T0))).toBe('WARDEN_APPROVAL_STATE');
    // Final states have nothing overdue.
    expect(overdueRecord(states.denied, 'cron', T0 + 999 * MIN)).toBeNull();
    expect(overdueRecord(states.revoked, 'cron', T0 + 999 * MIN)).toBeNull();
  });
});
