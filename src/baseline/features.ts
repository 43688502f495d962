/** Features of one event that the detectors share, computed once per event. */
import type { WardenEvent } from '../events/event.js';
import type { Dimension } from './profile.js';
import { memoised } from '../memo.js';

export interface EventFeatures {
  t: number;
  day: number;
  hourOfWeek: number;
  values: Partial<Record<Dimension, string>>;
  failed: boolean;
  denied: boolean;
  destructive: boolean;
  /**
   * Weight multiplier of what-novelty for this event's sensitivity: `readOnlyNoveltyFactor` for a
   * read-only call and 1 otherwise; the decider replaces it with the knowledge pack's tier factor
   * when the pack knows the action.
   */
  sensitivity: number;
}

const DAY_MS = 86_400_000;
const DESTRUCTIVE = /(delete|drop|truncate|destroy|terminate|remove|purge|wipe|deregister)/i;

/** `a.b.c.0/24` for IPv4, the first three groups (`/48`) for IPv6. */
export const networkOf = memoised(computeNetwork);

function computeNetwork(ip: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(':')) {
    const groups = ip.toLowerCase().split(':').slice(0, 3);
    return `${groups.join(':')}::/48`;
  }
  return ip;
}

/** `terraform/1.9 (+https…)` → `terraform`; `aws-cli/2.15 Python/3.11` → `aws-cli`. */
export const userAgentFamily = memoised(computeUserAgentFamily);

function computeUserAgentFamily(ua: string): string {
  const first = ua.trim().split(/[\s/;(]/, 1)[0] ?? '';
  return first.toLowerCase() || 'unknown';
}

/**
 * Generalises a resource so that ordinary churn (object keys, build numbers, dates, ids) maps
 * onto one pattern: `arn:aws:s3:::prod-artifacts/app-1234.tgz` → `arn:aws:s3:::prod-artifacts/*`.
 */
export const resourcePattern = memoised(computePattern);

function computePattern(resource: string): string {
  const clean = resource.split('?', 1)[0] ?? resource;
  const parts = clean.split('/');
  const head = parts.slice(0, 2).map((p) => p.replace(/[0-9a-f]{8,}|(?<=^|[=_./-])\d+/gi, '#'));
  return parts.length > 2 ? `${head.join('/')}/*` : parts.length === 2 ? `${head[0]}/*` : (head[0] ?? '');
}

/** What an action's name says: its service (`s3:GetObject` → `s3`) and whether it destroys something. */
interface ActionTraits {
  service: string;
  destructive: boolean;
}

/** One memo for both traits of an action: one lookup per event instead of two. */
const actionTraits = memoised((action: string): ActionTraits => {
  const i = action.indexOf(':');
  return { service: i > 0 ? action.slice(0, i) : action, destructive: DESTRUCTIVE.test(action) };
});

export function extractFeatures(event: WardenEvent, readOnlyFactor = 0.6): EventFeatures {
  const t = Date.parse(event.time);
  const day = Math.floor(t / DAY_MS);
  // Monday = 0 so the week reads naturally in `baseline show` (1970-01-01 was a Thursday).
  const hourOfWeek = (((day + 3) % 7) + 7) % 7 * 24 + Math.floor((t - day * DAY_MS) / 3_600_000);
  const src = event.source;
  const ip = src?.ip || undefined;
  const traits = actionTraits(event.action);
  // Every dimension is a property, undefined when the event has no value for it (and in the order
  // of DIMENSIONS): one object shape for all events, so the detectors' lookups by dimension stay
  // monomorphic instead of meeting a different shape for each combination of present fields.
  const values: Partial<Record<Dimension, string>> = {
    action: event.action,
    service: traits.service,
    resource: event.resource ? resourcePattern(event.resource) : undefined,
    ip,
    net: ip !== undefined ? networkOf(ip) : undefined,
    asn: src?.asn || undefined,
    country: src?.country || undefined,
    region: src?.region || undefined,
    ua: src?.userAgent ? userAgentFamily(src.userAgent) : undefined,
    workload: src?.workload || undefined,
  };
  return {
    t,
    day,
    hourOfWeek,
    values,
    failed: event.outcome === 'failure' || event.outcome === 'denied',
    denied: event.outcome === 'denied',
    destructive: traits.destructive,
    sensitivity: event.readOnly === true ? readOnlyFactor : 1,
  };
}
