import { describe, expect, it } from 'vitest';
import { findRecord, parseInventory } from '../../../src/identity/inventory.js';
import { loadInventory } from '../../../src/identity/load.js';
import { createIdentityResolver } from '../../../src/identity/resolver.js';
import { createIdentityReportBuilder } from '../../../src/identity/report.js';
import { WardenValidationError } from '../../../src/errors.js';
import type { WardenEvent } from '../../../src/events/event.js';

const inventory = parseInventory(
  `identities:
  - { id: "arn:aws:iam::*:role/deploy-*", owner: team-infra, class: ci-deployer }
  - { id: "arn:aws:iam::111:role/deploy-prod", owner: team-platform, tokens: [AKIA1] }
  - { id: "system:serviceaccount:monitoring:*", owner: team-obs }
  - { id: "github-app:release-bot", owner: team-release, tokens: [ghs_1] }
  - { id: "github-token:ci-?", owner: team-ci }
  - { id: "etl@acme.iam.gserviceaccount.com", owner: team-data, tokens: [k-etl] }
`,
  'identities.yaml',
);

let n = 0;
const event = (id: string, tokenId?: string, time = '2026-11-25T10:00:00Z'): WardenEvent => ({ id: `e${++n}`, time, identity: { id, tokenId }, action: 'x:y' });

describe('inventory matching', () => {
  it('matches exact ids before globs, and globs across ARN, Kubernetes, GitHub and GCP ids', () => {
    expect(findRecord(inventory, 'arn:aws:iam::111:role/deploy-prod')?.owner).toBe('team-platform');
    expect(findRecord(inventory, 'arn:aws:iam::222:role/deploy-staging')?.owner).toBe('team-infra');
    expect(findRecord(inventory, 'arn:aws:iam::222:role/other')).toBeNull();
    expect(findRecord(inventory, 'system:serviceaccount:monitoring:prometheus')?.owner).toBe('team-obs');
    expect(findRecord(inventory, 'system:serviceaccount:kube-system:prometheus')).toBeNull();
    expect(findRecord(inventory, 'github-token:ci-7')?.owner).toBe('team-ci');
    expect(findRecord(inventory, 'github-token:ci-77')).toBeNull(); // ? is exactly one character
    expect(findRecord(inventory, 'etl@acme.iam.gserviceaccount.com')?.owner).toBe('team-data');
    expect(findRecord(inventory, 'etlXacme.iam.gserviceaccount.com')).toBeNull(); // dots are literal
  });

  it('ships a valid example fleet', () => {
    const shipped = loadInventory('config/identities.yaml');
    expect(shipped.records.map((r) => r.class)).toEqual(expect.arrayContaining(['ci-deployer', 'etl', 'k8s-operator', 'github-app']));
  });

  it.each([
    ['missing owner', 'identities:\n  - { id: a }\n', 'identities[0].owner', 2],
    ['empty owner', 'identities:\n  - { id: a, owner: "" }\n', 'identities[0].owner', 2],
    ['bad criticality', 'identities:\n  - { id: a, owner: t, criticality: urgent }\n', 'identities[0].criticality', 2],
    ['typo field', 'identities:\n  - { id: a, owner: t, ownr: x }\n', 'identities[0].ownr', 2],
    ['tokens not a list', 'identities:\n  - { id: a, owner: t, tokens: AKIA1 }\n', 'identities[0].tokens', 2],
    ['duplicate id', 'identities:\n  - { id: a, owner: t }\n  - { id: a, owner: u }\n', 'identities[1].id', 3],
    ['no identities key', 'identitys: []\n', 'identitys', 1],
    ['empty file', '', undefined, 1],
    ['a list instead of a mapping', '- { id: a, owner: t }\n', undefined, 1],
    ['catch-all id', 'identities:\n  - { id: a, owner: t }\n  - { id: "*", owner: t }\n', 'identities[1].id', 3],
  ])('rejects %s with file, line and field', (_what, text, field, line) => {
    try {
      parseInventory(text, 'inv.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WardenValidationError);
      const e = err as WardenValidationError;
      expect(e.code).toBe('WARDEN_IDENTITIES_INVALID');
      expect(e.issues.find((i) => i.field === field)).toMatchObject({ file: 'inv.yaml', line });
      expect(e.message).toMatch(/^inv\.yaml:\d+/);
    }
  });
});

describe('identity resolver', () => {
  it('resolves owners and class; an unknown identity opens one finding, not a flood', () => {
    const resolver = createIdentityResolver(inventory, { unknownIdentity: 'block' });
    expect(resolver.resolve(event('arn:aws:iam::222:role/deploy-x'))).toMatchObject({ owner: 'team-infra', class: 'ci-deployer', findings: [] });
    const first = resolver.resolve(event('bot-x'));
    expect(first.owner).toBeNull();
    expect(first.findings).toEqual([expect.objectContaining({ code: 'UNKNOWN_IDENTITY', verdict: 'block', opened: true })]);
    const again = [1, 2, 3].map(() => resolver.resolve(event('bot-x')).findings[0]?.opened);
    expect(again).toEqual([false, false, false]);
    expect(resolver.resolve(event('bot-y')).findings[0]?.opened).toBe(true);
  });

  it('reopens a finding after reopenAfterMs of event time', () => {
    const resolver = createIdentityResolver(inventory, { reopenAfterMs: 3600_000 });
    expect(resolver.resolve(event('bot-x', undefined, '2026-11-25T10:00:00Z')).findings[0]?.opened).toBe(true);
    expect(resolver.resolve(event('bot-x', undefined, '2026-11-25T10:59:00Z')).findings[0]?.opened).toBe(false);
    expect(resolver.resolve(event('bot-x', undefined, '2026-11-25T11:00:00Z')).findings[0]?.opened).toBe(true);
  });

  it('flags a token declared for another identity (shared) and an undeclared token (unowned)', () => {
    const resolver = createIdentityResolver(inventory);
    const shared = resolver.resolve(event('github-app:release-bot', 'AKIA1'));
    expect(shared.findings.map((f) => f.code)).toEqual(['SHARED_TOKEN']);
    expect(shared.findings[0]?.detail).toContain('arn:aws:iam::111:role/deploy-prod');
    expect(resolver.resolve(event('github-app:release-bot', 'ghs_1')).findings).toEqual([]);
    expect(resolver.resolve(event('github-app:release-bot', 'ghs_stolen')).findings.map((f) => f.code)).toEqual(['UNOWNED_TOKEN']);
    // An identity that declares no tokens accepts its own credentials: it owns them.
    expect(resolver.resolve(event('github-token:ci-1', 'tok-9')).findings).toEqual([]);
    // An unknown identity using a declared token: unknown, and the token traces to its owner.
    const stolen = resolver.resolve(event('arn:aws:iam::999:user/mallory', 'k-etl'));
    expect(stolen.findings.map((f) => f.code)).toEqual(['UNKNOWN_IDENTITY', 'SHARED_TOKEN']);
    expect(stolen.owner).toBe('team-data');
  });
});

describe('identity report', () => {
  it('lists owned, unowned, stale identities and shared tokens', () => {
    const b = createIdentityReportBuilder(inventory);
    for (const e of [event('arn:aws:iam::111:role/deploy-prod', 'AKIA1'), event('bot-x', 'AKIA1'), event('github-app:release-bot', 'ghs_1'), event('bot-x')]) b.add(e);
    const r = b.build();
    expect(r.owned.map((s) => s.id)).toEqual(['arn:aws:iam::111:role/deploy-prod', 'github-app:release-bot']);
    expect(r.unowned).toEqual([expect.objectContaining({ id: 'bot-x', events: 2, tokens: ['AKIA1'] })]);
    expect(r.stale.map((s) => s.id)).toEqual(['arn:aws:iam::*:role/deploy-*', 'system:serviceaccount:monitoring:*', 'github-token:ci-?', 'etl@acme.iam.gserviceaccount.com']);
    expect(r.sharedTokens).toEqual([{ token: 'AKIA1', usedBy: ['arn:aws:iam::111:role/deploy-prod', 'bot-x'], declaredFor: ['arn:aws:iam::111:role/deploy-prod'] }]);
  });
});
