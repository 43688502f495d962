/**
 * Resolves each event's identity (and token) to an owner and raises clarity findings. Findings
 * are de-duplicated: the first event of an identity opens a finding (`opened: true`, the one that
 * pages), later events of the same identity repeat it quietly (`opened: false`) until
 * `reopenAfterMs` of event time has passed, so an unknown bot produces one alert, not a flood.
 * Pure: state lives in this object and advances only with the events it is given.
 */
import type { WardenEvent } from '../events/event.js';
import type { Verdict } from '../decisions/decision.js';
import { findRecord } from './inventory.js';
import type { Inventory } from './inventory.js';
import { isTemporaryToken } from './tokens.js';
import type { IdentityFinding, IdentityRecord, IdentityResolution, IdentityResolver } from './types.js';

export interface IdentityResolverOptions {
  /** Verdict a clarity finding demands (config `identity.unknownIdentity`). @defaultValue 'alert' */
  unknownIdentity?: Exclude<Verdict, 'allow'>;
  /** Event time after which a still-open finding is raised again as new. @defaultValue 24 h */
  reopenAfterMs?: number;
  /** Bound on remembered open findings (oldest forgotten first), so attacker-chosen ids cannot grow memory without limit. @defaultValue 100000 */
  maxOpenFindings?: number;
}

/** Risk points each finding adds; clarity findings are serious by themselves. */
export const FINDING_WEIGHTS = { UNKNOWN_IDENTITY: 60, UNOWNED_TOKEN: 50, SHARED_TOKEN: 60, UNVERIFIED_OWNER: 5 } as const;
type FindingCode = keyof typeof FINDING_WEIGHTS;

const RECORD_CACHE_LIMIT = 50_000;

const NO_FINDINGS: readonly IdentityFinding[] = Object.freeze([]);

export function createIdentityResolver(inventory: Inventory, options: IdentityResolverOptions = {}): IdentityResolver {
  const verdict = options.unknownIdentity ?? 'alert';
  const reopenAfterMs = options.reopenAfterMs ?? 24 * 3600_000;
  const maxOpen = options.maxOpenFindings ?? 100_000;
  const openedAt = new Map<string, number>();
  // Glob matching costs a regex per pattern; an identity's record never changes within one inventory.
  const recordCache = new Map<string, IdentityRecord | null>();

  function recordOf(id: string): IdentityRecord | null {
    let record = recordCache.get(id);
    if (record === undefined) {
      record = findRecord(inventory, id);
      if (recordCache.size >= RECORD_CACHE_LIMIT) recordCache.clear();
      recordCache.set(id, record);
    }
    return record;
  }

  function finding(identityId: string, code: FindingCode, detail: string, event: WardenEvent): IdentityFinding {
    // Event time is read only here: most events raise no finding.
    const time = Date.parse(event.time);
    const key = `${code}\u0000${identityId}`;
    const last = openedAt.get(key);
    const opened = last === undefined || !(time - last < reopenAfterMs);
    if (opened) {
      openedAt.delete(key);
      if (openedAt.size >= maxOpen) {
        const oldest = openedAt.keys().next().value;
        if (oldest !== undefined) openedAt.delete(oldest);
      }
      openedAt.set(key, time);
    }
    // An unconfirmed owner is a to-do for the inventory's keeper, not a threat: it adds a few
    // points once per reopen period and demands no verdict of its own.
    return { code, detail, weight: FINDING_WEIGHTS[code], verdict: code === 'UNVERIFIED_OWNER' ? 'allow' : verdict, opened };
  }

  return {
    resolve(event: WardenEvent): IdentityResolution {
      const identityId = event.identity.id;
      const record = recordOf(identityId);
      const tokenId = event.identity.tokenId;
      const holders = tokenId === undefined ? undefined : inventory.tokens.get(tokenId);
      let findings: IdentityFinding[] | null = null;
      if (record === null) {
        (findings ??= []).push(finding(identityId, 'UNKNOWN_IDENTITY', `${identityId} is not in the inventory (${inventory.file}); no owner is accountable`, event));
      } else if (record.verified === false) {
        (findings ??= []).push(finding(identityId, 'UNVERIFIED_OWNER', `owner ${record.owner} of ${identityId} is a guess not yet confirmed (verified: false in ${inventory.file})`, event));
      }
      if (tokenId !== undefined) {
        if (holders !== undefined && (record === null || !holders.includes(record))) {
          const others = holders.map((h) => `${h.id} (${h.owner})`).join(', ');
          (findings ??= []).push(finding(identityId, 'SHARED_TOKEN', `token ${tokenId} is declared for ${others}, not for ${identityId}`, event));
        } else if (holders === undefined && record !== null && (record.tokens?.length ?? 0) > 0 && !isTemporaryToken(tokenId)) {
          (findings ??= []).push(finding(identityId, 'UNOWNED_TOKEN', `token ${tokenId} is not declared for ${identityId} or any other identity`, event));
        }
      }
      const owner = record?.owner ?? (holders?.length === 1 ? holders[0]?.owner ?? null : null);
      return {
        identityId,
        owner,
        record,
        class: record?.class ?? null,
        environment: record?.environment ?? event.environment ?? null,
        criticality: record?.criticality ?? null,
        findings: findings ?? NO_FINDINGS,
      };
    },
  };
}
