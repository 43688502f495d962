import { describe, expect, it } from 'vitest';
import { createSigner, createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';
import { decodeApprovalMessage } from '../../../src/approvals/decoder.js';
import { ApprovalTable } from '../../../src/approvals/grants.js';
import { ApprovalIntake } from '../../../src/approvals/intake.js';
import type { ApprovalRecord } from '../../../src/approvals/record.js';
import { approve, revoke } from '../../../src/approvals/state.js';
import { MIN, T0, capturingLogger, pending } from './helpers.js';

const trusted = generateKeyPair();
const signer = createSigner(trusted.privateKeyPem);
const verifier = createVerifier([trusted.publicKeyPem]);
const forger = createSigner(generateKeyPair().privateKeyPem);

const msg = (r: object, key = (r as ApprovalRecord).id): [Buffer, Buffer] => [Buffer.from(key), Buffer.from(JSON.stringify(r))];
const granted = (): ApprovalRecord => approve(pending(), 'bob', T0);

describe('approval records: signature and shape before anything is applied', () => {
  it('accepts a record signed by a trusted key', () => {
    const decoded = decodeApprovalMessage(...msg(signer.sign(granted())), verifier);
    expect(decoded).toMatchObject({ ok: true, record: { state: 'approved' } });
  });

  it('tells unsigned, forged, tampered, malformed, mis-keyed records and tombstones apart', () => {
    expect(decodeApprovalMessage(...msg(granted()), verifier)).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(decodeApprovalMessage(...msg(forger.sign(granted())), verifier)).toMatchObject({ ok: false, reason: 'bad-signature', detail: expect.stringContaining('unknown-key') });
    const widened = { ...signer.sign(granted()), actions: ['**'] };
    expect(decodeApprovalMessage(...msg(widened), verifier)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(decodeApprovalMessage(Buffer.from('k'), Buffer.from('{nope'), verifier)).toMatchObject({ ok: false, reason: 'not-json' });
    expect(decodeApprovalMessage(...msg(signer.sign({ ...granted(), actions: [] })), verifier)).toMatchObject({ ok: false, reason: 'malformed', detail: expect.stringContaining('actions') });
    expect(decodeApprovalMessage(...msg(signer.sign({ ...granted(), state: 'forever' })), verifier)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeApprovalMessage(...msg(signer.sign(granted()), 'apr-other'), verifier)).toMatchObject({ ok: false, reason: 'key-mismatch' });
    expect(decodeApprovalMessage(Buffer.from('apr-1'), null, verifier)).toMatchObject({ ok: false, reason: 'tombstone' });
  });

  it('refuses, even when validly signed, a grant approved by its requester or by too few approvers', () => {
    const self = { ...granted(), approvals: [{ by: 'alice', at: new Date(T0).toISOString() }] };
    expect(decodeApprovalMessage(...msg(signer.sign(self)), verifier)).toMatchObject({ ok: false, reason: 'malformed', detail: 'the requester is among the approvers' });
    const short = { ...granted(), required: 2 };
    expect(decodeApprovalMessage(...msg(signer.sign(short)), verifier)).toMatchObject({ ok: false, reason: 'malformed', detail: expect.stringContaining('fewer distinct approvers') });
  });
});

describe('the grants table, fed through the intake', () => {
  it('ignores, counts and logs forged and unsigned grants: nothing is granted', () => {
    const table = new ApprovalTable();
    const { logger, lines } = capturingLogger();
    const intake = new ApprovalIntake(verifier, table, logger);
    intake.take(...msg(forger.sign(granted())), '7');
    intake.take(...msg(granted()), '8');
    expect(intake.stats).toEqual({ applied: 0, rejected: 2, outOfDate: 0 });
    expect(table.grantFor('svc-deployer', undefined, 'GET /items/1', undefined, T0 + MIN)).toBeNull();
    expect(lines.map((l) => [l.msg, l.reason, l.offset])).toEqual([
      ['approval record rejected, not applied', 'bad-signature', '7'],
      ['approval record rejected, not applied', 'unsigned', '8'],
    ]);
  });

  it('grants within scope while the grant lasts, and forgets it on revoke', () => {
    const table = new ApprovalTable();
    const intake = new ApprovalIntake(verifier, table, capturingLogger().logger);
    const g = granted();
    intake.take(...msg(signer.sign(pending())));
    expect(table.grantFor('svc-deployer', undefined, 'GET /items/1', undefined, T0)).toBeNull();
    intake.take(...msg(signer.sign(g)));
    expect(table.grantFor('svc-deployer', 'any-token', 'GET /items/1', '/items/1', T0 + MIN)).toMatchObject({ id: g.id, approvedBy: ['bob'], expiresAt: g.grantExpiresAt });
    expect(table.grantFor('svc-deployer', undefined, 'DELETE /items/1', undefined, T0 + MIN)).toBeNull();
    expect(table.grantFor('svc-other', undefined, 'GET /items/1', undefined, T0 + MIN)).toBeNull();
    expect(table.grantFor('svc-deployer', undefined, 'GET /items/1', undefined, T0 + 30 * MIN)).toBeNull();
    expect(table.activeGrants(T0 + MIN).map((x) => x.id)).toEqual([g.id]);
    intake.take(...msg(signer.sign(revoke(g, 'carol', T0 + 2 * MIN))));
    expect(table.grantFor('svc-deployer', undefined, 'GET /items/1', undefined, T0 + 3 * MIN)).toBeNull();
    expect(table.get(g.id)?.state).toBe('revoked');
    expect(intake.stats).toEqual({ applied: 3, rejected: 0, outOfDate: 0 });
  });

  it('a replayed older record (a signed grant after its revoke) cannot bring a grant back', () => {
    const table = new ApprovalTable();
    const intake = new ApprovalIntake(verifier, table, capturingLogger().logger);
    const g = signer.sign(granted());
    intake.take(...msg(g));
    intake.take(...msg(signer.sign(revoke(granted(), 'carol', T0 + MIN))));
    intake.take(...msg(g));
    expect(intake.stats).toEqual({ applied: 2, rejected: 0, outOfDate: 1 });
    expect(table.grantFor('svc-deployer', undefined, 'GET /items/1', undefined, T0 + 2 * MIN)).toBeNull();
  });

  it('lists requests newest first, with the state each is in now, and sweeps run-out grants', () => {
    const table = new ApprovalTable();
    table.apply(pending({ id: 'apr-a', nowMs: T0 }));
    table.apply(approve(pending({ id: 'apr-b', nowMs: T0 + MIN }), 'bob', T0 + MIN));
    expect(table.list(T0 + 2 * MIN).map((x) => [x.record.id, x.state])).toEqual([['apr-b', 'approved'], ['apr-a', 'pending']]);
    expect(table.list(T0 + 90 * MIN).map((x) => [x.record.id, x.state])).toEqual([['apr-b', 'lapsed'], ['apr-a', 'expired']]);
    expect(table.sweep(T0 + 90 * MIN)).toBe(1);
    expect(table.activeGrants(T0 + 2 * MIN)).toEqual([]);
  });
});
