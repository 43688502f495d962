import { describe, expect, it } from 'vitest';
import { guessOwner, UNASSIGNED_OWNER } from '../../../src/identity/owner-guess.js';
import { createInventoryDrafter, idShape, renderDraft } from '../../../src/identity/init.js';
import { findRecord, parseInventory } from '../../../src/identity/inventory.js';
import { createIdentityResolver } from '../../../src/identity/resolver.js';
import type { WardenEvent } from '../../../src/events/event.js';

describe('owner guessing', () => {
  it.each([
    ['arn:aws:iam::123456789012:role/team-payments-deployer', 'team-payments', 'name'],
    ['arn:aws:iam::123456789012:role/payments-team-ci', 'team-payments', 'name'],
    ['arn:aws:iam::123456789012:user/svc_team_data.loader', 'team-data', 'name'],
    ['system:serviceaccount:team-obs:prometheus', 'team-obs', 'place'],
    ['system:serviceaccount:cert-manager:cert-manager', 'cert-manager', 'place'],
    ['system:serviceaccount:ops:team-sre-agent', 'team-sre', 'name'],
    ['arn:aws:iam::123456789012:role/payments/deployer', 'payments', 'place'],
    ['arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling', 'aws-service:autoscaling', 'place'],
    ['arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_DevAdmin_6354', 'aws-account:123456789012', 'place'],
    ['arn:aws:iam::123456789012:role/deployer', 'aws-account:123456789012', 'place'],
    ['etl@acme-data.iam.gserviceaccount.com', 'gcp-project:acme-data', 'place'],
    ['team-ml-trainer@acme-data.iam.gserviceaccount.com', 'team-ml', 'name'],
    ['dependabot[bot]', 'github-app:dependabot', 'place'],
    ['TestRole', UNASSIGNED_OWNER, 'none'],
  ])('%s → %s', (id, owner, strength) => {
    const guess = guessOwner({ id });
    expect(guess.owner).toBe(owner);
    expect(guess.strength).toBe(strength);
    expect(guess.how.length).toBeGreaterThan(10);
  });

  it('prefers an owner tag, then the name, then the place the identity acts in', () => {
    expect(guessOwner({ id: 'arn:aws:iam::123456789012:role/team-a-x', tags: ['team-billing'] }).owner).toBe('team-billing');
    expect(guessOwner({ id: 'release-bot[bot]', orgs: ['acme'] }).owner).toBe('github-org:acme');
    expect(guessOwner({ id: 'release-bot[bot]', orgs: ['acme'] }).how).toContain('GitHub app');
    expect(guessOwner({ id: 'anaya', accounts: ['111122223333'] }).owner).toBe('aws-account:111122223333');
    expect(guessOwner({ id: 'someone@example.com', projects: ['proj-1'] }).owner).toBe('gcp-project:proj-1');
    // The account inside an ARN wins over the account the record was delivered from.
    expect(guessOwner({ id: 'arn:aws:iam::210987654321:role/X', accounts: ['123456789012'] }).owner).toBe('aws-account:210987654321');
  });
});

describe('id shapes (grouping generated ids)', () => {
  it.each([
    ['github-token:ci-1234', 'github-token:ci-*'],
    ['arn:aws:iam::123456789012:role/runner-7f3a9c21', 'arn:aws:iam::123456789012:role/runner-*'],
    ['job-3f2a1b4c-1111-2222-3333-444455556666', 'job-*'],
    ['AROAEXAMPLE123:session-42', 'AROAEXAMPLE123:*'],
    ['arn:aws:iam::123456789012:role/deployer', null],
    ['arn:aws:iam::123456789012:role/Admin', null],
    ['12345', null],
  ])('%s → %s', (id, shape) => {
    expect(idShape(id)).toBe(shape);
  });
});

let n = 0;
const ev = (id: string, extra: Partial<WardenEvent> = {}, time = '2026-11-20T10:00:00Z'): WardenEvent => ({ id: `e${++n}`, time, identity: { id, type: 'role' }, action: 's3:GetObject', ...extra });

describe('inventory draft', () => {
  it('records type, first and last seen, events, accounts and long-lived tokens, and groups generated ids into one glob', () => {
    const d = createInventoryDrafter({ groupMin: 5 });
    d.add(ev('arn:aws:iam::123456789012:role/team-payments-deployer', { identity: { id: 'arn:aws:iam::123456789012:role/team-payments-deployer', type: 'role', tokenId: 'AKIAAAAAAAAAAAAAAAAA' }, attributes: { account: '123456789012' } }, '2026-11-20T10:00:00Z'));
    d.add(ev('arn:aws:iam::123456789012:role/team-payments-deployer', { identity: { id: 'arn:aws:iam::123456789012:role/team-payments-deployer', type: 'role', tokenId: 'ASIAXXXXXXXXXXXXXXXX' }, attributes: { account: '123456789012' } }, '2026-11-18T10:00:00Z'));
    for (let i = 0; i < 300; i++) d.add(ev(`github-token:ci-${1000 + i}`, { attributes: { org: 'acme' } }));
    for (let i = 0; i < 3; i++) d.add(ev(`svc-${100 + i}`));
    const draft = d.build();
    expect(draft.events).toBe(305);
    const deployer = draft.entries.find((e) => e.id.endsWith('team-payments-deployer'))!;
    expect(deployer).toMatchObject({ owner: 'team-payments', type: 'role', events: 2, firstSeen: '2026-11-18T10:00:00Z', lastSeen: '2026-11-20T10:00:00Z', accounts: ['123456789012'], tokens: ['AKIAAAAAAAAAAAAAAAAA'], temporaryTokens: 1 });
    const ci = draft.entries.filter((e) => e.id.startsWith('github-token:'));
    expect(ci).toHaveLength(1);
    expect(ci[0]).toMatchObject({ id: 'github-token:ci-*', members: 300, events: 300, owner: 'github-org:acme' });
    // Below --group-min, similar ids stay separate entries.
    expect(draft.entries.filter((e) => e.id.startsWith('svc-')).map((e) => e.id)).toEqual(['svc-100', 'svc-101', 'svc-102']);
  });

  it('renders a valid inventory with a comment per entry; its identities are known but unverified', () => {
    const d = createInventoryDrafter();
    d.add(ev('system:serviceaccount:kube-system:coredns', { identity: { id: 'system:serviceaccount:kube-system:coredns', type: 'service_account' } }));
    d.add(ev('arn:aws:iam::123456789012:user/shared-a', { identity: { id: 'arn:aws:iam::123456789012:user/shared-a', tokenId: 'AKIASHAREDSHARED0001' } }));
    d.add(ev('arn:aws:iam::123456789012:user/shared-b', { identity: { id: 'arn:aws:iam::123456789012:user/shared-b', tokenId: 'AKIASHAREDSHARED0001' } }));
    const text = renderDraft(d.build(), 'logs.json.gz');
    expect(text).toContain('# owner guess: Kubernetes namespace kube-system of the service account');
    expect(text).toMatch(/token AKIASHAREDSHARED0001 also used by other identities/);
    const inventory = parseInventory(text, 'identities.yaml');
    expect(inventory.records).toHaveLength(3);
    expect(inventory.records.every((r) => r.verified === false)).toBe(true);
    expect(findRecord(inventory, 'system:serviceaccount:kube-system:coredns')).toMatchObject({ owner: 'kube-system', type: 'service_account', events: 1, firstSeen: '2026-11-20T10:00:00Z' });
  });

  it('leaves out identities an existing inventory covers', () => {
    const existing = parseInventory('identities:\n  - { id: "arn:aws:iam::*:role/known-*", owner: team-a }\n', 'old.yaml');
    const d = createInventoryDrafter({ existing });
    d.add(ev('arn:aws:iam::1:role/known-x'));
    d.add(ev('arn:aws:iam::1:role/known-x'));
    d.add(ev('arn:aws:iam::1:role/new-y'));
    const draft = d.build();
    expect(draft.known).toBe(1);
    expect(draft.entries.map((e) => e.id)).toEqual(['arn:aws:iam::1:role/new-y']);
  });
});

describe('UNVERIFIED_OWNER', () => {
  const inventory = parseInventory(
    `identities:
  - { id: guessed, owner: team-a, verified: false, tokens: [AKIAGUESSED000000001] }
  - { id: confirmed, owner: team-b }
`,
    'identities.yaml',
  );

  it('replaces UNKNOWN_IDENTITY with a low-weight finding that demands no verdict and opens once per reopen period', () => {
    const resolver = createIdentityResolver(inventory, { unknownIdentity: 'block', reopenAfterMs: 3600_000 });
    const first = resolver.resolve(ev('guessed', {}, '2026-11-20T10:00:00Z'));
    expect(first.owner).toBe('team-a');
    expect(first.findings).toEqual([expect.objectContaining({ code: 'UNVERIFIED_OWNER', weight: 5, verdict: 'allow', opened: true })]);
    expect(resolver.resolve(ev('guessed', {}, '2026-11-20T10:30:00Z')).findings[0]?.opened).toBe(false);
    expect(resolver.resolve(ev('guessed', {}, '2026-11-20T11:01:00Z')).findings[0]?.opened).toBe(true);
    expect(resolver.resolve(ev('confirmed')).findings).toEqual([]);
    expect(resolver.resolve(ev('stranger')).findings.map((f) => f.code)).toEqual(['UNKNOWN_IDENTITY']);
  });

  it('does not call an AWS session key unowned: STS ties it to the role', () => {
    const resolver = createIdentityResolver(inventory);
    expect(resolver.resolve(ev('guessed', { identity: { id: 'guessed', tokenId: 'ASIAABCDEFGHIJKLMNOP' } })).findings.map((f) => f.code)).toEqual(['UNVERIFIED_OWNER']);
    expect(resolver.resolve(ev('guessed', { identity: { id: 'guessed', tokenId: 'AKIASTOLEN0000000001' } })).findings.map((f) => f.code)).toEqual(['UNVERIFIED_OWNER', 'UNOWNED_TOKEN']);
  });
});
