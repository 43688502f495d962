/**
 * `warden identities init`: drafts an inventory from the identities a stream shows. One entry per
 * identity (the normalizers already fold an assumed role's sessions into the role), except that
 * many ids that differ only in a generated part (`runner-7f3a9c21`, `AROA…:session`) become one
 * glob entry. Each entry carries a guessed owner marked `verified: false` and a comment saying how
 * it was guessed, what was seen, and which credentials. Pure accumulator plus a YAML renderer.
 */
import { Document, isMap, isSeq } from 'yaml';
import type { WardenEvent } from '../events/event.js';
import { findRecord } from './inventory.js';
import type { Inventory } from './inventory.js';
import { guessOwner } from './owner-guess.js';
import { isTemporaryToken } from './tokens.js';

export interface DraftOptions {
  /** Ids sharing one generated-part shape are merged into a glob entry from this many on. @defaultValue 5 */
  groupMin?: number;
  /** Identities this inventory already covers are left out of the draft (and counted). */
  existing?: Inventory;
}

export interface DraftEntry {
  /** Exact identity id, or a glob when `members` > 1. */
  id: string;
  owner: string;
  /** How the owner was guessed (the YAML comment). */
  how: string;
  type?: string;
  environment?: string;
  /** Long-lived credentials seen (access keys, key ids); temporary session keys are only counted. */
  tokens: string[];
  temporaryTokens: number;
  /** Tokens also seen with another identity (a finding waiting to happen). */
  sharedTokens: string[];
  accounts: string[];
  projects: string[];
  firstSeen: string;
  lastSeen: string;
  events: number;
  /** Distinct ids the entry stands for and up to three of them. */
  members: number;
  examples: string[];
}

export interface InventoryDraft {
  entries: DraftEntry[];
  events: number;
  /** Identities seen that the existing inventory already covers. */
  known: number;
}

interface Seen {
  id: string;
  events: number;
  first: string;
  last: string;
  types: Map<string, number>;
  envs: Map<string, number>;
  accounts: Map<string, number>;
  projects: Map<string, number>;
  orgs: Map<string, number>;
  tags: Map<string, number>;
  tokens: Set<string>;
}

const TAG_KEYS = new Set(['owner', 'team', 'owning-team', 'owner-team', 'ownerteam']);

function bump(map: Map<string, number>, value: unknown): void {
  if (typeof value === 'string' && value !== '') map.set(value, (map.get(value) ?? 0) + 1);
  else if (typeof value === 'number') map.set(String(value), (map.get(String(value)) ?? 0) + 1);
}

/** Values by frequency, then name. */
function ranked(map: Map<string, number>): string[] {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
}

function merge(into: Map<string, number>, from: Map<string, number>): void {
  for (const [k, n] of from) into.set(k, (into.get(k) ?? 0) + n);
}

function ownerTags(attributes: Record<string, unknown> | undefined): string[] {
  const tags = attributes?.tags;
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(tags as Record<string, unknown>)) {
    if (TAG_KEYS.has(key.toLowerCase()) && typeof value === 'string' && value.trim() !== '') found.push(value.trim());
  }
  return found;
}


/**
 * The shape of an id with its generated parts (UUIDs, long hex or digit runs in the last segment,
 * the session after an AWS principal id) replaced by `*`, or null when it has none.
 */
export function idShape(id: string): string | null {
  const session = /^(A[RI]OA[A-Z0-9]{8,}):.+$/.exec(id);
  if (session) return `${session[1]}:*`;
  const cut = Math.max(id.lastIndexOf('/'), id.lastIndexOf(':'));
  const head = id.slice(0, cut + 1);
  const last = id.slice(cut + 1);
  const shaped = last
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '*')
    .replace(/(?<![a-z])(?=[0-9a-f]*\d)[0-9a-f]{8,}(?![a-z])/gi, '*')
    .replace(/\d{3,}/g, '*')
    .replace(/\*+/g, '*');
  if (shaped === last || /^[*\W_]*$/.test(shaped)) return null;
  return head + shaped;
}

function emptySeen(id: string, time: string): Seen {
  return { id, events: 0, first: time, last: time, types: new Map(), envs: new Map(), accounts: new Map(), projects: new Map(), orgs: new Map(), tags: new Map(), tokens: new Set() };
}

export interface InventoryDrafter {
  add(event: WardenEvent): void;
  build(): InventoryDraft;
}

export function createInventoryDrafter(options: DraftOptions = {}): InventoryDrafter {
  const groupMin = options.groupMin ?? 5;
  const seen = new Map<string, Seen>();
  const tokenUsers = new Map<string, Set<string>>();
  let events = 0;
  let known = 0;
  const knownIds = new Set<string>();

  return {
    add(event) {
      events++;
      const id = event.identity.id;
      if (knownIds.has(id)) return;
      let s = seen.get(id);
      if (!s) {
        if (options.existing && findRecord(options.existing, id)) {
          knownIds.add(id);
          known++;
          return;
        }
        s = emptySeen(id, event.time);
        seen.set(id, s);
      }
      s.events++;
      if (event.time < s.first) s.first = event.time;
      if (event.time > s.last) s.last = event.time;
      bump(s.types, event.identity.type);
      bump(s.envs, event.environment);
      bump(s.accounts, event.attributes?.account);
      bump(s.projects, event.attributes?.project);
      bump(s.orgs, event.attributes?.org);
      for (const tag of ownerTags(event.attributes)) bump(s.tags, tag);
      const token = event.identity.tokenId;
      if (token !== undefined && token !== '') {
        s.tokens.add(token);
        const users = tokenUsers.get(token) ?? new Set<string>();
        users.add(id);
        tokenUsers.set(token, users);
      }
    },

    build() {
      // Group ids by shape; a shape shared by enough ids becomes one glob entry.
      const byShape = new Map<string, Seen[]>();
      for (const s of seen.values()) {
        const shape = idShape(s.id);
        if (shape === null) continue;
        const list = byShape.get(shape) ?? [];
        list.push(s);
        byShape.set(shape, list);
      }
      const groups: Array<{ id: string; members: Seen[] }> = [];
      const grouped = new Set<string>();
      for (const [shape, members] of byShape) {
        if (members.length < groupMin) continue;
        groups.push({ id: shape, members });
        for (const m of members) grouped.add(m.id);
      }
      for (const s of seen.values()) if (!grouped.has(s.id)) groups.push({ id: s.id, members: [s] });

      const entries = groups.map(({ id, members }) => toEntry(id, members, tokenUsers));
      entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return { entries, events, known };
    },
  };
}

function toEntry(id: string, members: readonly Seen[], tokenUsers: ReadonlyMap<string, ReadonlySet<string>>): DraftEntry {
  const all = emptySeen(id, members[0]!.first);
  const memberIds = new Set(members.map((m) => m.id));
  for (const m of members) {
    all.events += m.events;
    if (m.first < all.first) all.first = m.first;
    if (m.last > all.last) all.last = m.last;
    for (const key of ['types', 'envs', 'accounts', 'projects', 'orgs', 'tags'] as const) merge(all[key], m[key]);
    for (const t of m.tokens) all.tokens.add(t);
  }
  const types = ranked(all.types);
  const envs = ranked(all.envs);
  const guess = guessOwner({ id, type: types[0], tags: ranked(all.tags), accounts: ranked(all.accounts), projects: ranked(all.projects), orgs: ranked(all.orgs) });
  const tokens = [...all.tokens].filter((t) => !isTemporaryToken(t)).sort();
  const sharedTokens = tokens.filter((t) => [...(tokenUsers.get(t) ?? [])].some((u) => !memberIds.has(u)));
  const entry: DraftEntry = {
    id,
    owner: guess.owner,
    how: guess.how,
    tokens,
    temporaryTokens: all.tokens.size - tokens.length,
    sharedTokens,
    accounts: ranked(all.accounts),
    projects: ranked(all.projects),
    firstSeen: all.first,
    lastSeen: all.last,
    events: all.events,
    members: members.length,
    examples: members.slice(0, 3).map((m) => m.id),
  };
  if (types[0] !== undefined) entry.type = types[0];
  if (envs.length === 1) entry.environment = envs[0]!;
  return entry;
}

function commentOf(e: DraftEntry): string {
  const lines = [` owner guess: ${e.how}`];
  if (e.members > 1) lines.push(` groups ${e.members} ids of one shape, e.g. ${e.examples.join(', ')}`);
  const where = [e.accounts.length > 0 ? `account ${e.accounts.join(', ')}` : '', e.projects.length > 0 ? `project ${e.projects.join(', ')}` : ''].filter(Boolean).join('; ');
  lines.push(` seen ${e.events} event${e.events === 1 ? '' : 's'} ${e.firstSeen} .. ${e.lastSeen}${where ? ` in ${where}` : ''}`);
  if (e.temporaryTokens > 0) lines.push(` ${e.temporaryTokens} temporary session credential${e.temporaryTokens === 1 ? '' : 's'} (ASIA…) seen, not declared: they change every session`);
  if (e.sharedTokens.length > 0) lines.push(` token${e.sharedTokens.length === 1 ? '' : 's'} ${e.sharedTokens.join(', ')} also used by other identities: a shared credential (see warden identities report)`);
  return lines.join('\n');
}

/** The draft as an inventory file: a header saying what to do with it, then one commented entry per identity. */
export function renderDraft(draft: InventoryDraft, source: string): string {
  const identities = draft.entries.map((e) => {
    const record: Record<string, unknown> = { id: e.id, owner: e.owner, verified: false };
    if (e.type !== undefined) record.type = e.type;
    if (e.environment !== undefined) record.environment = e.environment;
    if (e.tokens.length > 0) record.tokens = e.tokens;
    record.firstSeen = e.firstSeen;
    record.lastSeen = e.lastSeen;
    record.events = e.events;
    return record;
  });
  const doc = new Document({ identities });
  doc.commentBefore = [
    ` Identity inventory drafted by \`warden identities init\` from ${draft.events} events of ${source}:`,
    ` ${draft.entries.length} entr${draft.entries.length === 1 ? 'y' : 'ies'}${draft.known > 0 ? ` (${draft.known} identities already in the inventory left out)` : ''}.`,
    ' Every owner below is a guess (verified: false): such identities are known, so they raise no',
    ' UNKNOWN_IDENTITY, but each raises a low-weight UNVERIFIED_OWNER finding until a person confirms',
    ' the owner and sets verified: true (or removes the line). firstSeen, lastSeen and events are',
    ' informational. Review, then replay: warden replay --identities <this file> ...',
  ].join('\n');
  const seq = doc.get('identities');
  if (isSeq(seq)) {
    seq.items.forEach((item, i) => {
      const entry = draft.entries[i];
      if (isMap(item) && entry) item.commentBefore = commentOf(entry);
    });
  }
  return doc.toString({ lineWidth: 0 });
}
