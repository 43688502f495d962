import { describe, expect, it } from 'vitest';
import { createStageDecider } from '../../../src/policy/decide.js';
import { parseInventory } from '../../../src/identity/inventory.js';
import { createIdentityResolver } from '../../../src/identity/resolver.js';
import { engineFrom, ev } from './helpers.js';

const inventory = parseInventory('identities:\n  - { id: svc-a, owner: team-a, class: worker }\n', 'inv.yaml');
const policy = `
policy: worker
scope: { classes: [worker] }
rules:
  - { id: ok, kind: allow, actions: ["s3:*"] }
  - { id: trial, kind: deny, actions: ["s3:DeleteObject"], mode: shadow }
`;

describe('stage decider (identity + policy)', () => {
  it('publishes the enforce verdict and records what shadow rules would have done', () => {
    const decide = createStageDecider(createIdentityResolver(inventory), engineFrom([policy]));
    const d = decide(ev({ action: 's3:DeleteObject' }));
    expect(d).toMatchObject({ verdict: 'allow', wouldBe: 'block', owner: 'team-a', policy: { id: 'worker' } });
    expect(d.policy.version).toMatch(/^[0-9a-f]{16}$/);
    const plain = decide(ev({ action: 's3:GetObject' }));
    expect(plain.verdict).toBe('allow');
    expect(plain.wouldBe).toBeUndefined();
  });

  it('lets a clarity finding set the verdict configured for unknown identities', () => {
    const decide = createStageDecider(createIdentityResolver(inventory, { unknownIdentity: 'block' }), engineFrom([policy]));
    const d = decide(ev({ action: 's3:GetObject' }, 'stranger'));
    expect(d).toMatchObject({ verdict: 'block', owner: null });
    expect(d.reasons.map((r) => r.code)).toEqual(['UNKNOWN_IDENTITY']);
    expect(d.reasons[0]).not.toHaveProperty('opened'); // decisions carry plain reasons
  });
});
