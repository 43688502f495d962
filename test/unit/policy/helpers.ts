import { parsePolicyFile } from '../../../src/policy/parse.js';
import { buildPolicySet } from '../../../src/policy/policy-set.js';
import { createPolicyEngine } from '../../../src/policy/engine.js';
import type { PolicyEngineOptions } from '../../../src/policy/engine.js';
import type { PolicyEngine } from '../../../src/policy/types.js';
import type { WardenEvent } from '../../../src/events/event.js';
import type { IdentityResolution } from '../../../src/identity/types.js';

export function engineFrom(texts: string[], options: PolicyEngineOptions = {}): PolicyEngine {
  return createPolicyEngine(buildPolicySet(texts.map((t, i) => parsePolicyFile(t, `p${i}.yaml`))), options);
}

let n = 0;
export function ev(partial: Partial<WardenEvent> & { action: string }, identityId = 'svc-a'): WardenEvent {
  n++;
  return { id: `e${n}`, time: '2026-11-25T10:00:00Z', identity: { id: identityId }, ...partial };
}

export function who(identityId = 'svc-a', extra: Partial<IdentityResolution> = {}): IdentityResolution {
  return { identityId, owner: 'team-a', record: null, class: null, environment: null, criticality: null, findings: [], ...extra };
}

export function evaluate(engine: PolicyEngine, partial: Partial<WardenEvent> & { action: string }, identity = who()) {
  return engine.evaluate(ev(partial, identity.identityId), identity);
}

export const codes = (e: { reasons: { code: string }[] }): string[] => e.reasons.map((r) => r.code).sort();
