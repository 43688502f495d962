/**
 * Feature extraction: one event, in its identity's context, becomes one row of FEATURE_DIMENSION
 * floats. Shared by training and inference so both see exactly the same numbers. All values lie
 * roughly in [0, 1] (cyclic time in [-1, 1]) so that no column dominates the reconstruction error.
 */
import type { WardenEvent } from '../events/event.js';
import type { EventContext } from './context.js';
import { FEATURE_DIMENSION, groupLayout } from './feature-schema.js';
import { hashBucket } from './hash.js';

const HASHED = ['identity', 'action', 'service', 'resource', 'network', 'country', 'region', 'userAgent', 'workload'].map((name, i) => {
  const g = groupLayout(name);
  // A distinct seed per group: the same string in two groups lands in unrelated buckets.
  return { offset: g.offset, size: g.size, seed: 0x9e3779b1 * (i + 1) };
});
const [G_IDENTITY, G_ACTION, G_SERVICE, G_RESOURCE, G_NETWORK, G_COUNTRY, G_REGION, G_UA, G_WORKLOAD] = HASHED as [
  (typeof HASHED)[0], (typeof HASHED)[0], (typeof HASHED)[0], (typeof HASHED)[0], (typeof HASHED)[0],
  (typeof HASHED)[0], (typeof HASHED)[0], (typeof HASHED)[0], (typeof HASHED)[0],
];
const TIME = groupLayout('time').offset;
const RATE = groupLayout('rate').offset;
const VOLUME = groupLayout('volume').offset;
const OUTCOME = groupLayout('outcome').offset;
const FAILURES = groupLayout('failures').offset;
const PRIVILEGED = groupLayout('privileged').offset;

const WEEK_MS = 7 * 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;
// 1970-01-01 was a Thursday; shift so the week phase starts on Monday 00:00 UTC.
const MONDAY_OFFSET_MS = 3 * DAY_MS;

/** `s3` from `s3:PutObject`, `k8s` from `k8s:get:secrets`. */
export function serviceOf(action: string): string {
  const i = action.indexOf(':');
  return i < 0 ? action : action.slice(0, i);
}

/**
 * The first two `/`-separated segments of a resource with numeric tokens collapsed, so that
 * `arn:aws:s3:::prod-artifacts/app-123.tgz` and `…/app-124.tgz` share a prefix.
 */
export function resourcePrefix(resource: string): string {
  let end = resource.indexOf('/');
  if (end >= 0) {
    const second = resource.indexOf('/', end + 1);
    end = second < 0 ? resource.length : second;
  } else {
    end = resource.length;
  }
  // Only digit runs that start a token (`app-123`, `:1111:`), so `k8s` and `s3` keep their names.
  return resource.slice(0, end).replace(/(^|[^A-Za-z\d])\d+/g, '$1#');
}

/** `terraform` from `terraform/1.9`, `aws-cli` from `aws-cli/2.15 Python/3.11`. */
export function userAgentFamily(userAgent: string): string {
  const m = /^[^/\s(;]+/.exec(userAgent.trim());
  return (m ? m[0] : userAgent).toLowerCase();
}

/** The /24 of an IPv4 address or the /48 of an IPv6 one; null when it is neither. */
export function networkOf(ip: string): string | null {
  if (ip.includes(':')) {
    const parts = ip.split(':');
    return parts.length >= 3 ? `v6:${parts.slice(0, 3).join(':').toLowerCase()}` : null;
  }
  const last = ip.lastIndexOf('.');
  return last > 0 ? `v4:${ip.slice(0, last)}` : null;
}

function setBucket(out: Float32Array, base: number, group: { offset: number; size: number; seed: number }, value: string | undefined | null): void {
  if (value === undefined || value === null || value === '') return;
  out[base + group.offset + hashBucket(value, group.size, group.seed)] = 1;
}

/** log1p(x) / log1p(scale), clipped to [0, 1.5]: volumes and rates far beyond `scale` saturate. */
function logScaled(x: number, scale: number): number {
  if (!(x > 0)) return 0;
  return Math.min(1.5, Math.log1p(x) / Math.log1p(scale));
}

/**
 * Writes the feature row of `event` at `out[row * FEATURE_DIMENSION …]`. The caller provides a
 * zeroed buffer (a fresh Float32Array is); absent fields leave their columns at zero.
 */
export function writeFeatures(event: WardenEvent, context: EventContext, out: Float32Array, row: number): void {
  const base = row * FEATURE_DIMENSION;
  const source = event.source;
  setBucket(out, base, G_IDENTITY, event.identity.id);
  setBucket(out, base, G_ACTION, event.action);
  setBucket(out, base, G_SERVICE, serviceOf(event.action));
  if (event.resource) setBucket(out, base, G_RESOURCE, resourcePrefix(event.resource));
  if (source) {
    // Both the /24 and the ASN mark the network group: a new host in a known ASN differs less.
    if (source.ip) setBucket(out, base, G_NETWORK, networkOf(source.ip));
    if (source.asn) setBucket(out, base, G_NETWORK, `asn:${source.asn.toUpperCase()}`);
    setBucket(out, base, G_COUNTRY, source.country?.toUpperCase());
    setBucket(out, base, G_REGION, source.region);
    if (source.userAgent) setBucket(out, base, G_UA, userAgentFamily(source.userAgent));
    setBucket(out, base, G_WORKLOAD, source.workload);
  }

  const t = Date.parse(event.time);
  if (Number.isFinite(t)) {
    const week = (((t - MONDAY_OFFSET_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS / WEEK_MS * 2 * Math.PI;
    const day = ((t % DAY_MS) + DAY_MS) % DAY_MS / DAY_MS * 2 * Math.PI;
    out[base + TIME] = Math.sin(week);
    out[base + TIME + 1] = Math.cos(week);
    out[base + TIME + 2] = Math.sin(day);
    out[base + TIME + 3] = Math.cos(day);
  }

  out[base + RATE] = logScaled(context.rate1m, 600);
  out[base + RATE + 1] = logScaled(context.rate1h, 20_000);
  out[base + RATE + 2] = context.secondsSincePrevious === null ? 1 : logScaled(context.secondsSincePrevious, 86_400);

  out[base + VOLUME] = logScaled(event.bytes ?? 0, 1e10);
  out[base + VOLUME + 1] = logScaled(event.rows ?? 0, 1e7);

  const outcome = event.outcome === 'success' ? 0 : event.outcome === 'failure' ? 1 : event.outcome === 'denied' ? 2 : 3;
  out[base + OUTCOME + outcome] = 1;
  out[base + FAILURES] = logScaled(context.failures10m, 100);
  out[base + PRIVILEGED] = event.privileged ? 1 : 0;
  out[base + PRIVILEGED + 1] = event.readOnly ? 1 : 0;
}
