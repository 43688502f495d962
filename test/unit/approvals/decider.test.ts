import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { parseInventory } from '../../../src/identity/inventory.js';
import { createIdentityResolver } from '../../../src/identity/resolver.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { createDecider } from '../../../src/scoring/decider.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { ApprovalTable } from '../../../src/approvals/grants.js';
import { ApprovalOpener } from '../../../src/approvals/opener.js';
import { approve } from '../../../src/approvals/state.js';
import { engineFrom, evaluate } from '../policy/helpers.js';
import { MIN, T0, pending } from './helpers.js';

const inventory = parseInventory('identities:\n  - { id: svc-deployer, owner: team-platform, class: deployer, criticality: high }\n', 'inv.yaml');
const policies = `
policy: deployer
scope: { identities: [svc-deployer] }
rules:
  - { id: no-iam, kind: deny, actions: ["iam:*"] }
  - { id: prod-deploys, kind: deny, actions: ["ecs:UpdateService"], mode: approve }
`;

let n = 0;
const event = (action: string, minutes: number, resource?: string) => ({ id: `e${++n}`, time: new Date(T0 + minutes * MIN).toISOString(), identity: { id: 'svc-deployer', tokenId: 'tok-1' }, action, ...(resource ? { resource } : {}) });

function deciderWith(grants: ApprovalTable | null, configText = '') {
  const config = parseConfig(configText, 'warden.yaml');
  return createDecider({ config, resolver: createIdentityResolver(inventory), policy: engineFrom([policies], { mode: config.policy.mode }), store: new MemoryBaselineStore(), grants });
}

const codes = (d: Decision | undefined): string[] => (d?.reasons ?? []).map((r) => r.code);

describe('the decider honours grants', () => {
  const grants = new ApprovalTable();
  const g = approve(pending({ actions: ['iam:CreateAccessKey'], resources: ['arn:aws:iam::1:user/deploy-*'], nowMs: T0 }), 'bob', T0);
  grants.apply(g);

  it('does not block a granted action while the grant lasts, and names the grant', async () => {
    const [d] = await deciderWith(grants).decideBatch([event('iam:CreateAccessKey', 5, 'arn:aws:iam::1:user/deploy-bot')]);
    expect(d?.verdict).not.toBe('block');
    const approved = d?.reasons.find((r) => r.code === 'APPROVED');
    expect(approved).toMatchObject({ approval: g.id, weight: 0, detail: expect.stringContaining(`approval ${g.id} by bob`) });
    expect(codes(d)).toContain('POLICY_DENY');
  });

  it('still blocks what the grant does not cover, and the granted action once the grant has run out', async () => {
    const decide = deciderWith(grants);
    const [other, outside, later] = await decide.decideBatch([
      event('iam:DeleteUser', 5, 'arn:aws:iam::1:user/deploy-bot'),
      event('iam:CreateAccessKey', 6, 'arn:aws:iam::1:user/admin'),
      event('iam:CreateAccessKey', 31, 'arn:aws:iam::1:user/deploy-bot'),
    ]);
    for (const d of [other, outside, later]) {
      expect(d?.verdict).toBe('block');
      expect(codes(d)).not.toContain('APPROVED');
    }
  });

  it('without grants the same action blocks', async () => {
    const [d] = await deciderWith(null).decideBatch([event('iam:CreateAccessKey', 5, 'arn:aws:iam::1:user/deploy-bot')]);
    expect(d?.verdict).toBe('block');
  });
});

describe('policy mode approve', () => {
  it('refuses the action with APPROVAL_REQUIRED and names the rule in the evaluation', () => {
    const result = evaluate(engineFrom([policies]), { action: 'ecs:UpdateService' }, { identityId: 'svc-deployer', owner: 'team-platform', record: null, class: null, environment: null, criticality: null, findings: [] });
    expect(result).toMatchObject({ verdict: 'block', approval: { policyId: 'deployer', ruleId: 'prod-deploys' }, protected: true });
    expect(result.reasons).toEqual([expect.objectContaining({ code: 'APPROVAL_REQUIRED', detail: expect.stringContaining('deployer/prod-deploys') })]);
  });

  it('is only shadowed under the global shadow mode', () => {
    const result = evaluate(engineFrom([policies], { mode: 'shadow' }), { action: 'ecs:UpdateService' }, { identityId: 'svc-deployer', owner: null, record: null, class: null, environment: null, criticality: null, findings: [] });
    expect(result.verdict).toBeNull();
    expect(result.shadowVerdict).toBe('block');
    expect(result.approval).toBeUndefined();
  });

  it('opens one approval request per identity, token and action while it is pending; a grant from it lets the action pass', async () => {
    const config = parseConfig('', 'warden.yaml');
    const opener = new ApprovalOpener(config.approvals, 15 * MIN);
    const [first, second] = await deciderWith(null).decideBatch([event('ecs:UpdateService', 1, 'arn:aws:ecs:eu-west-1:1:service/web'), event('ecs:UpdateService', 2, 'arn:aws:ecs:eu-west-1:1:service/web')]);
    expect(first?.verdict).toBe('block');
    expect(codes(first)).toContain('APPROVAL_REQUIRED');
    const request = opener.recordFor(first!, 'tok-1', T0 + MIN);
    expect(request).toMatchObject({ state: 'pending', identity: 'svc-deployer', tokenId: 'tok-1', actions: ['ecs:UpdateService'], resources: ['arn:aws:ecs:eu-west-1:1:service/web'], owner: 'team-platform', requestedBy: 'warden', origin: { kind: 'policy', decisionId: first!.decisionId, rule: 'deployer/prod-deploys' }, grantTtlMs: 15 * MIN });
    expect(opener.recordFor(second!, 'tok-1', T0 + 2 * MIN)).toBeNull();
    expect(opener.recordFor(second!, 'tok-1', T0 + 61 * MIN)).not.toBeNull();

    const grants = new ApprovalTable();
    grants.apply(approve(request!, 'bob', T0 + 3 * MIN));
    const [granted, otherService] = await deciderWith(grants).decideBatch([event('ecs:UpdateService', 4, 'arn:aws:ecs:eu-west-1:1:service/web'), event('ecs:UpdateService', 4, 'arn:aws:ecs:eu-west-1:1:service/db')]);
    expect(granted?.verdict).not.toBe('block');
    expect(codes(granted)).toEqual(expect.arrayContaining(['APPROVAL_REQUIRED', 'APPROVED']));
    expect(otherService?.verdict).toBe('block');
    // A decision that is not an approve-mode refusal opens nothing.
    expect(opener.recordFor({ ...granted!, verdict: 'block', reasons: granted!.reasons.filter((r) => r.code !== 'APPROVAL_REQUIRED') }, undefined, T0)).toBeNull();
  });

  it('opens a withdrawn request again (its produce failed); withdrawing a request replaced since changes nothing', async () => {
    const config = parseConfig('', 'warden.yaml');
    const opener = new ApprovalOpener(config.approvals, 15 * MIN);
    const [refused] = await deciderWith(null).decideBatch([event('ecs:UpdateService', 1, 'arn:aws:ecs:eu-west-1:1:service/web')]);
    const lost = opener.recordFor(refused!, 'tok-1', T0 + MIN);
    expect(lost).not.toBeNull();
    opener.withdraw(lost!);
    const again = opener.recordFor(refused!, 'tok-1', T0 + 2 * MIN);
    expect(again).toMatchObject({ state: 'pending', origin: { decisionId: refused!.decisionId } });
    // The first one's withdrawal again (a late failure report) leaves the second one pending.
    opener.withdraw(lost!);
    expect(opener.recordFor(refused!, 'tok-1', T0 + 3 * MIN)).toBeNull();
  });
});
