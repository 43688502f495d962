/**
 * The one definition of a valid native event (`--format warden`), used by the native normalizer
 * (`warden run`, `replay`, `normalize`), by `warden explain --event` and by the benchmarks.
 *
 * Producers' JSON is read liberally but never guessed at (docs/formats.md, native format):
 * - `id`, `time`, `identity.id` and `action` are required; a record without them, or with them of
 *   the wrong type, is rejected with a message naming the field.
 * - `null` means absent, for every optional field at every level; the event never carries it.
 * - An identity type outside the enum becomes `unknown`, the producer's word kept in
 *   `attributes.identityType`; case, `-` and spaces are forgiven (`Service-Account`), as they
 *   are for `outcome`.
 * - An optional field of the wrong type, an unknown field, or an outcome outside the enum is
 *   dropped, and the original value is kept in `attributes.droppedFields` under its path.
 *   Finite numbers in string fields are taken as their decimal text (`asn: 16509` → `AS16509`).
 * - `attributes` and `raw` are free-form and kept as they are.
 *
 * Written by hand rather than with zod: this is the hot path of `warden run`.
 */
import type { EventIdentity, EventSource, IdentityType, Outcome, WardenEvent } from './event.js';
import { eventLayout, identityLayout, sourceLayout } from './event.js';
import { toIsoTime } from './time.js';
import type { RejectReason } from './types.js';

export const IDENTITY_TYPES: readonly IdentityType[] = Object.freeze([
  'service_account',
  'role',
  'user',
  'bot',
  'app',
  'token',
  'service',
  'workload',
  'database_user',
  'unknown',
]);
const IDENTITY_TYPE_SET: ReadonlySet<string> = new Set(IDENTITY_TYPES);
const OUTCOMES: ReadonlySet<string> = new Set(['success', 'failure', 'denied']);

/** Top-level, identity and source fields of the native event (anything else is dropped). */
const EVENT_KEYS: ReadonlySet<string> = new Set([
  'id', 'time', 'identity', 'action', 'resource', 'outcome', 'source', 'environment', 'privileged',
  'bytes', 'rows', 'readOnly', 'sourceFormat', 'attributes', 'raw',
]);
const IDENTITY_KEYS: ReadonlySet<string> = new Set(['id', 'type', 'tokenId', 'sessionId', 'delegationChain']);
const SOURCE_KEYS: readonly (keyof EventSource)[] = ['ip', 'userAgent', 'region', 'workload', 'asn', 'country'];
const SOURCE_KEY_SET: ReadonlySet<string> = new Set(SOURCE_KEYS);

/** Attribute names the normalizer writes its notes under (they replace a producer's own). */
export const NOTE_IDENTITY_TYPE = 'identityType';
export const NOTE_DROPPED_FIELDS = 'droppedFields';

export type NativeParse = { ok: true; event: WardenEvent } | { ok: false; reason: RejectReason; message: string };

type Json = Record<string, unknown>;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(reason: RejectReason, message: string): NativeParse {
  return { ok: false, reason, message };
}

/** Collects what was dropped, allocated only when something is. */
class Notes {
  dropped: Json | undefined;
  identityType: string | undefined;
  drop(path: string, value: unknown): void {
    (this.dropped ??= {})[path] = value;
  }
}

/** A string field: strings as they are, finite numbers as their text, anything else dropped. */
function text(value: unknown, path: string, notes: Notes, numberPrefix = ''): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return `${numberPrefix}${value}`;
  notes.drop(path, value);
  return undefined;
}

function identityOf(raw: Json, notes: Notes): EventIdentity {
  const identity = identityLayout(raw.id as string);
  for (const key in raw) {
    const value = raw[key];
    if (value === null || value === undefined || key === 'id') continue;
    switch (key) {
      case 'type': {
        if (typeof value !== 'string') {
          identity.type = 'unknown';
          notes.drop('identity.type', value);
          break;
        }
        const word = IDENTITY_TYPE_SET.has(value) ? value : value.trim().toLowerCase().replace(/[-\s]+/g, '_');
        if (IDENTITY_TYPE_SET.has(word)) identity.type = word as IdentityType;
        else {
          identity.type = 'unknown';
          notes.identityType = value;
        }
        break;
      }
      case 'tokenId':
      case 'sessionId': {
        const t = text(value, `identity.${key}`, notes);
        if (t !== undefined) identity[key] = t;
        break;
      }
      case 'delegationChain':
        if (Array.isArray(value) && value.every((v) => typeof v === 'string')) identity.delegationChain = value as string[];
        else notes.drop('identity.delegationChain', value);
        break;
      default:
        if (!IDENTITY_KEYS.has(key)) notes.drop(`identity.${key}`, value);
    }
  }
  return identity;
}

function sourceOf(raw: Json, notes: Notes): EventSource | undefined {
  let source: EventSource | undefined;
  for (const key in raw) {
    const value = raw[key];
    if (value === null || value === undefined) continue;
    if (!SOURCE_KEY_SET.has(key)) {
      notes.drop(`source.${key}`, value);
      continue;
    }
    const t = text(value, `source.${key}`, notes, key === 'asn' ? 'AS' : '');
    if (t !== undefined) (source ??= sourceLayout())[key as keyof EventSource] = t;
  }
  return source;
}

function volume(value: unknown, path: string, notes: Notes): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  notes.drop(path, value);
  return undefined;
}

function flag(value: unknown, path: string, notes: Notes): boolean | undefined {
  if (typeof value === 'boolean') return value;
  notes.drop(path, value);
  return undefined;
}

/**
 * Reads one parsed JSON value as a native event: the normalized event, or why it is rejected.
 * Never throws; never mutates `value` (a copy of `attributes` is made when notes are added).
 */
export function parseNativeEvent(value: unknown): NativeParse {
  if (!isPlainObject(value)) return fail('INVALID_EVENT', `native event must be a JSON object, got ${kindOf(value)}`);
  const { id, time, identity, action } = value;
  if (identity === undefined || identity === null) return fail('MISSING_IDENTITY', 'native event has no identity');
  if (!isPlainObject(identity)) return fail('INVALID_EVENT', `native event invalid: identity: expected an object, got ${kindOf(identity)}`);
  const identityId = identity.id;
  if (identityId === undefined || identityId === null || identityId === '') return fail('MISSING_IDENTITY', 'native event has no identity.id');
  if (typeof identityId !== 'string') return fail('INVALID_EVENT', `native event invalid: identity.id: expected a non-empty string, got ${kindOf(identityId)}`);
  if (action === undefined || action === null || action === '') return fail('MISSING_ACTION', 'native event has no action');
  if (typeof action !== 'string') return fail('INVALID_EVENT', `native event invalid: action: expected a non-empty string, got ${kindOf(action)}`);
  if (time === undefined || time === null || time === '') return fail('MISSING_TIME', 'native event has no time');
  if (id === undefined || id === null || id === '') return fail('INVALID_EVENT', 'native event invalid: id: required, expected a non-empty string');
  if (typeof id !== 'string') return fail('INVALID_EVENT', `native event invalid: id: expected a non-empty string, got ${kindOf(id)}`);
  const iso = toIsoTime(time);
  if (iso === undefined) {
    const shown = typeof time === 'string' || typeof time === 'number' ? JSON.stringify(time) : kindOf(time);
    return fail('BAD_TIMESTAMP', `native event time ${shown} is not a valid time (RFC 3339 text or epoch seconds/milliseconds)`);
  }

  const notes = new Notes();
  // Every field present from the start, in one order: one hidden class for all events (eventLayout).
  const event = eventLayout(id, iso, identityOf(identity, notes), action);
  let attributes: Json | undefined;
  for (const key in value) {
    const field = value[key];
    if (field === null || field === undefined) continue;
    switch (key) {
      case 'id':
      case 'time':
      case 'identity':
      case 'action':
        break;
      case 'resource':
      case 'environment':
      case 'sourceFormat': {
        const t = text(field, key, notes);
        if (t !== undefined) event[key] = t;
        break;
      }
      case 'outcome':
        if (typeof field === 'string' && OUTCOMES.has(field)) event.outcome = field as Outcome;
        else if (typeof field === 'string' && OUTCOMES.has(field.trim().toLowerCase())) event.outcome = field.trim().toLowerCase() as Outcome;
        else notes.drop('outcome', field);
        break;
      case 'source':
        if (isPlainObject(field)) {
          const source = sourceOf(field, notes);
          if (source !== undefined) event.source = source;
        } else notes.drop('source', field);
        break;
      case 'privileged':
      case 'readOnly': {
        const f = flag(field, key, notes);
        if (f !== undefined) event[key] = f;
        break;
      }
      case 'bytes':
      case 'rows': {
        const n = volume(field, key, notes);
        if (n !== undefined) event[key] = n;
        break;
      }
      case 'attributes':
        if (isPlainObject(field)) attributes = field;
        else notes.drop('attributes', field);
        break;
      case 'raw':
        event.raw = field;
        break;
      default:
        if (!EVENT_KEYS.has(key)) notes.drop(key, field);
    }
  }
  if (notes.dropped !== undefined || notes.identityType !== undefined) {
    attributes = { ...attributes };
    if (notes.identityType !== undefined) attributes[NOTE_IDENTITY_TYPE] = notes.identityType;
    if (notes.dropped !== undefined) attributes[NOTE_DROPPED_FIELDS] = notes.dropped;
  }
  if (attributes !== undefined) event.attributes = attributes;
  return { ok: true, event };
}
