/**
 * `warden identities report`: which identities a stream shows, who owns them, which declared ones
 * were silent, and which tokens more than one identity used or holds. Pure accumulator.
 */
import type { WardenEvent } from '../events/event.js';
import { findRecord } from './inventory.js';
import type { Inventory } from './inventory.js';
import type { IdentityRecord } from './types.js';

export interface SeenIdentity {
  id: string;
  owner: string | null;
  /** The inventory entry (exact id or glob) that matched, or null. */
  matchedBy: string | null;
  /** False when the matching inventory entry's owner is an unconfirmed guess (`verified: false`). */
  verified: boolean;
  events: number;
  firstSeen: string;
  lastSeen: string;
  tokens: string[];
}

export interface SharedToken {
  token: string;
  /** Identities seen using the token. */
  usedBy: string[];
  /** Inventory identities the token is declared for. */
  declaredFor: string[];
}

export interface IdentityReport {
  owned: SeenIdentity[];
  unowned: SeenIdentity[];
  /** Declared in the inventory but silent in the stream. */
  stale: IdentityRecord[];
  sharedTokens: SharedToken[];
  events: number;
}

export interface IdentityReportBuilder {
  add(event: WardenEvent): void;
  build(): IdentityReport;
}

export function createIdentityReportBuilder(inventory: Inventory): IdentityReportBuilder {
  const seen = new Map<string, SeenIdentity & { tokenSet: Set<string> }>();
  const matchedRecords = new Set<IdentityRecord>();
  const tokenUsers = new Map<string, Set<string>>();
  let events = 0;
  return {
    add(event) {
      events++;
      const id = event.identity.id;
      let entry = seen.get(id);
      if (!entry) {
        const record = findRecord(inventory, id);
        if (record) matchedRecords.add(record);
        entry = { id, owner: record?.owner ?? null, matchedBy: record?.id ?? null, verified: record?.verified !== false, events: 0, firstSeen: event.time, lastSeen: event.time, tokens: [], tokenSet: new Set() };
        seen.set(id, entry);
      }
      entry.events++;
      if (event.time < entry.firstSeen) entry.firstSeen = event.time;
      if (event.time > entry.lastSeen) entry.lastSeen = event.time;
      const token = event.identity.tokenId;
      if (token !== undefined) {
        entry.tokenSet.add(token);
        const users = tokenUsers.get(token) ?? new Set<string>();
        users.add(id);
        tokenUsers.set(token, users);
      }
    },
    build() {
      const all = [...seen.values()].map(({ tokenSet, ...rest }) => ({ ...rest, tokens: [...tokenSet].sort() }));
      all.sort((a, b) => a.id.localeCompare(b.id));
      const shared: SharedToken[] = [];
      const tokens = new Set([...tokenUsers.keys(), ...inventory.tokens.keys()]);
      for (const token of [...tokens].sort()) {
        const usedBy = [...(tokenUsers.get(token) ?? [])].sort();
        const declaredFor = (inventory.tokens.get(token) ?? []).map((r) => r.id);
        const strangers = usedBy.filter((u) => {
          const record = findRecord(inventory, u);
          return declaredFor.length > 0 && (record === null || !declaredFor.includes(record.id));
        });
        if (usedBy.length > 1 || declaredFor.length > 1 || strangers.length > 0) shared.push({ token, usedBy, declaredFor });
      }
      return {
        owned: all.filter((s) => s.owner !== null),
        unowned: all.filter((s) => s.owner === null),
        stale: inventory.records.filter((r) => !matchedRecords.has(r)),
        sharedTokens: shared,
        events,
      };
    },
  };
}
