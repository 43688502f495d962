/**
 * Test fixture: minimal identity and policy stages for baseline tests that are about the
 * baseline alone: an inventory read from identities.yaml just
 * enough to give owners, classes and environments, and a policy engine with no rules.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { WardenConfig } from '../../src/config/schema.js';
import type { WardenEvent } from '../../src/events/event.js';
import type { IdentityRecord, IdentityResolution, IdentityResolver } from '../../src/identity/types.js';
import type { PolicyEngine, PolicyEvaluation } from '../../src/policy/types.js';
import { WardenError } from '../../src/errors.js';

export function loadInventory(file: string): IdentityRecord[] {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read identities file ${file}`, { cause: err });
  }
  const list = Array.isArray(doc) ? doc : (doc as { identities?: unknown } | null)?.identities;
  if (!Array.isArray(list)) throw new WardenError('WARDEN_IDENTITIES_INVALID', `${file}: expected a list under "identities"`);
  return list as IdentityRecord[];
}

export function createInventoryResolver(records: readonly IdentityRecord[] | null, config: WardenConfig): IdentityResolver {
  const byId = new Map(records?.map((r) => [r.id, r]) ?? []);
  const opened = new Set<string>();
  return {
    resolve(event: WardenEvent): IdentityResolution {
      const id = event.identity.id;
      const record = byId.get(id) ?? null;
      const base = { identityId: id, owner: record?.owner ?? null, record, class: record?.class ?? null, environment: record?.environment ?? null, criticality: record?.criticality ?? null };
      if (records === null || record !== null) return { ...base, findings: [] };
      const first = !opened.has(id);
      opened.add(id);
      return { ...base, findings: [{ code: 'UNKNOWN_IDENTITY', detail: `${id} is not in the inventory`, weight: 0, verdict: config.identity.unknownIdentity, opened: first }] };
    },
  };
}

const EMPTY: PolicyEvaluation = Object.freeze({ verdict: null, shadowVerdict: null, reasons: [], matched: [], policyId: null, excepted: false, protected: false }) as PolicyEvaluation;

export function createEmptyPolicy(): PolicyEngine {
  return { version: 'none', evaluate: () => EMPTY };
}
