/**
 * Contract of the identity stage (see DESIGN.md "Identity clarity"). The inventory maps an event's
 * identity (and token) to an owner; an identity or token that maps to no owner is a finding.
 */
import type { WardenEvent } from '../events/event.js';
import type { Reason, Verdict } from '../decisions/decision.js';

export type Criticality = 'low' | 'medium' | 'high' | 'critical';

/** One entry of `config/identities.yaml`. `id` is an exact id or a glob pattern. */
export interface IdentityRecord {
  id: string;
  owner: string;
  contact?: string;
  type?: string;
  /** Identity class used for per-class thresholds and model percentiles, e.g. `ci-deployer`. */
  class?: string;
  environment?: string;
  criticality?: Criticality;
  tokens?: string[];
  description?: string;
  /** False while the owner is a guess awaiting confirmation (UNVERIFIED_OWNER). Absent means true. */
  verified?: boolean;
  /** Informational fields written by `warden identities init`. */
  firstSeen?: string;
  lastSeen?: string;
  events?: number;
}

/** A clarity finding raised for an event (unknown identity, unowned or shared token). */
export interface IdentityFinding extends Reason {
  /** Verdict the finding demands (config `identity.unknownIdentity`). */
  verdict: Verdict;
  /** True only for the event that opened the finding; later events of the same identity repeat it quietly. */
  opened: boolean;
}

export interface IdentityResolution {
  identityId: string;
  owner: string | null;
  record: IdentityRecord | null;
  class: string | null;
  environment: string | null;
  criticality: Criticality | null;
  /** Read-only: an identity with nothing to report shares one frozen empty list. */
  findings: readonly IdentityFinding[];
}

/** Resolves events to owners. Deterministic in the order of events it is given. */
export interface IdentityResolver {
  resolve(event: WardenEvent): IdentityResolution;
}
