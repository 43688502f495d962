/** Generic JSON sources declared in config: dotted field paths mapped onto native fields. */
import type { GenericMapping } from '../../config/sections/events.js';
import type { IdentityType, Outcome, WardenEvent } from '../event.js';
import { contentId } from '../hash.js';
import { bool, compilePath, num, str } from '../json.js';
import type { JsonObject, PathGetter } from '../json.js';
import { toIsoTime } from '../time.js';
import type { FormatNormalizer } from '../types.js';

const IDENTITY_TYPES = new Set<IdentityType>(['service_account', 'role', 'user', 'bot', 'app', 'token', 'service', 'workload', 'database_user', 'unknown']);
const OUTCOMES = new Set<string>(['success', 'failure', 'denied']);

export interface CompiledMapping {
  name: string;
  detect: (v: JsonObject) => boolean;
  normalize: FormatNormalizer;
}

/** Compiles a mapping once at load time so the per-record work is plain property reads. */
export function compileMapping(m: GenericMapping): CompiledMapping {
  const get = Object.fromEntries(Object.entries(m.fields).map(([k, path]) => [k, compilePath(path)])) as Record<keyof GenericMapping['fields'], PathGetter | undefined>;
  const detectors = m.detect.map((d) => ({ get: compilePath(d.field), equals: d.equals }));
  const detect = (v: JsonObject): boolean =>
    detectors.length > 0 && detectors.every((d) => {
      const value = d.get(v);
      return d.equals === undefined ? value !== undefined : value === d.equals;
    });
  const read = (key: keyof GenericMapping['fields'], v: JsonObject): unknown => get[key]?.(v);
  const normalize: FormatNormalizer = (v, _ctx, sink) => {
    const identityId = str(read('identity', v));
    if (!identityId) return sink.reject('MISSING_IDENTITY', `${m.name}: no identity at ${m.fields.identity}`, v);
    const action = str(read('action', v));
    if (!action) return sink.reject('MISSING_ACTION', `${m.name}: no action at ${m.fields.action}`, v);
    const rawTime = read('time', v);
    if (rawTime === undefined || rawTime === '') return sink.reject('MISSING_TIME', `${m.name}: no time at ${m.fields.time}`, v);
    const time = toIsoTime(rawTime);
    if (!time) return sink.reject('BAD_TIMESTAMP', `${m.name}: ${JSON.stringify(rawTime)} at ${m.fields.time} is not a valid time`, v);
    const event: WardenEvent = {
      id: str(read('id', v)) ?? contentId(JSON.stringify(v)),
      time,
      identity: { id: identityId },
      action: m.actionPrefix ? `${m.actionPrefix}:${action}` : action,
    };
    const type = str(read('identityType', v));
    if (type && IDENTITY_TYPES.has(type as IdentityType)) event.identity.type = type as IdentityType;
    const token = str(read('tokenId', v));
    if (token) event.identity.tokenId = token;
    const session = str(read('sessionId', v));
    if (session) event.identity.sessionId = session;
    const resource = str(read('resource', v));
    if (resource) event.resource = resource;
    const outcomeRaw = read('outcome', v);
    if (outcomeRaw !== undefined) {
      const key = String(outcomeRaw);
      const mapped = m.outcomes[key] ?? (OUTCOMES.has(key) ? (key as Outcome) : undefined);
      if (mapped) event.outcome = mapped;
    }
    const source: NonNullable<WardenEvent['source']> = {};
    for (const [field, key] of [['sourceIp', 'ip'], ['userAgent', 'userAgent'], ['region', 'region'], ['workload', 'workload']] as const) {
      const value = str(read(field, v));
      if (value) source[key] = value;
    }
    if (Object.keys(source).length > 0) event.source = source;
    const environment = str(read('environment', v));
    if (environment) event.environment = environment;
    const bytes = num(read('bytes', v));
    if (bytes !== undefined) event.bytes = bytes;
    const rows = num(read('rows', v));
    if (rows !== undefined) event.rows = rows;
    const readOnly = bool(read('readOnly', v));
    if (readOnly !== undefined) event.readOnly = readOnly;
    sink.event(event, v);
  };
  return { name: m.name, detect, normalize };
}
