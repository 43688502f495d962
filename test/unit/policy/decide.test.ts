import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { parseInventory } from '../../../src/identity/inventory.js';
import { parsePolicyFile } from '../../../src/policy/parse.js';
import { buildPolicySet } from '../../../src/policy/policy-set.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { createTracedDecider } from '../../../src/cli/support/decider-context.js';
import { ev } from './helpers.js';

const inventory = parseInventory('identities:\n  - { id: svc-a, owner: team-a, class: worker }\n', 'inv.yaml');
const policy = `
policy: worker
scope: { classes: [worker] }
rules:
  - { id: ok, kind: allow, actions: ["s3:*"] }
  - { id: trial, kind: deny, actions: ["s3:DeleteObject"], mode: shadow }
`;
const policies = buildPolicySet([parsePolicyFile(policy, 'worker.yaml')]);

function decider(configText = '') {
  const config = parseConfig(configText, 'warden.yaml');
  return createTracedDecider({ config, inventory, policies, knowledge: null, store: new MemoryBaselineStore(), model: null });
}

describe('the policy tools decide with the decider of replay (identity + policy + baseline + scoring)', () => {
  it('publishes the enforce verdict, records what shadow rules would have done, and traces the rules that fired', async () => {
    const decide = decider();
    const event = ev({ action: 's3:DeleteObject' });
    const [d] = await decide.decideBatch([event]);
    expect(d).toMatchObject({ verdict: 'allow', wouldBe: 'block', owner: 'team-a', policy: { id: 'worker' } });
    expect(d!.policy.version).toMatch(/^[0-9a-f]{16}$/);
    expect(decide.trace(event)?.evaluation?.matched.map((m) => `${m.policyId}/${m.ruleId}`)).toContain('worker/trial');
    expect(decide.trace(event)?.identity?.owner).toBe('team-a');
    const [plain] = await decide.decideBatch([ev({ action: 's3:GetObject' })]);
    expect(plain!.verdict).toBe('allow');
    expect(plain!.wouldBe).toBeUndefined();
  });

  it('lets a clarity finding set the verdict configured for unknown identities, with its score', async () => {
    const decide = decider('identity: { unknownIdentity: block }\n');
    const [d] = await decide.decideBatch([ev({ action: 's3:GetObject' }, 'stranger')]);
    expect(d).toMatchObject({ verdict: 'block', owner: null });
    expect(d!.reasons.map((r) => r.code)).toEqual(['UNKNOWN_IDENTITY']);
    expect(d!.score).toBeGreaterThan(0);
    expect(d!.reasons[0]).not.toHaveProperty('opened'); // decisions carry plain reasons
  });
});
