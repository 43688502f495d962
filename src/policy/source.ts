/**
 * Source constraints: where a request may come from. Each listed dimension (CIDRs, ASNs,
 * countries, regions, workloads) must be satisfied; within a dimension any entry will do.
 * CIDRs are parsed at load time (IPv4 and IPv6; an IPv4-mapped IPv6 address matches IPv4 ranges).
 */
import ipaddr from 'ipaddr.js';
import type { WardenEvent } from '../events/event.js';
import { compilePatterns } from '../common/glob.js';
import type { PatternList } from '../common/glob.js';

export interface SourceSpec {
  cidrs?: string[];
  asns?: (string | number)[];
  countries?: string[];
  regions?: string[];
  workloads?: string[];
  /** What a constrained field absent from the event means. @defaultValue 'violate' */
  onMissing?: 'violate' | 'ignore';
}

export interface CompiledSource {
  /** Null when the event satisfies the constraint, else why it does not. */
  check(event: WardenEvent): string | null;
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];
/** IPv4 range as (network, mask) 32-bit integers: the hot path compares integers, no parsing objects. */
type V4Range = [number, number];

/** Strict dotted-quad parse to an unsigned 32-bit integer, or -1. */
function ipv4ToInt(ip: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // no leading zeros (octal ambiguity)
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

const octetsToInt = (o: number[]): number => (((o[0] ?? 0) * 256 + (o[1] ?? 0)) * 256 + (o[2] ?? 0)) * 256 + (o[3] ?? 0);

function v4Matches(ranges: readonly V4Range[], ip: number): boolean {
  for (const [net, mask] of ranges) if (((ip & mask) >>> 0) === net) return true;
  return false;
}

/** Validates a CIDR; returns an error message or null. */
export function checkCidr(cidr: string): string | null {
  try {
    ipaddr.parseCIDR(cidr);
    return null;
  } catch {
    return `"${cidr}" is not a CIDR (e.g. 10.0.0.0/8 or 2001:db8::/32)`;
  }
}

/** Normalizes `AS16509`, `as16509` and `16509` to `AS16509`. */
export function normalizeAsn(asn: string | number): string | null {
  const m = /^(?:AS)?(\d{1,10})$/i.exec(String(asn).trim());
  return m ? `AS${m[1]}` : null;
}

function parseIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    return ipaddr.process(ip);
  } catch {
    return null;
  }
}

export function compileSource(spec: SourceSpec): CompiledSource {
  const v4: V4Range[] = [];
  const v6: Range[] = [];
  for (const cidr of spec.cidrs ?? []) {
    const range = ipaddr.parseCIDR(cidr);
    if (range[0].kind() === 'ipv4') {
      const mask = range[1] === 0 ? 0 : (0xffffffff << (32 - range[1])) >>> 0;
      v4.push([(octetsToInt(range[0].toByteArray()) & mask) >>> 0, mask]);
    } else v6.push(range);
  }
  const asns = spec.asns ? new Set(spec.asns.map((a) => normalizeAsn(a) ?? String(a))) : null;
  const countries = spec.countries ? new Set(spec.countries.map((c) => c.toUpperCase())) : null;
  const regions: PatternList | null = spec.regions ? compilePatterns(spec.regions) : null;
  const workloads: PatternList | null = spec.workloads ? compilePatterns(spec.workloads) : null;
  const hasCidrs = spec.cidrs !== undefined;
  const strict = (spec.onMissing ?? 'violate') === 'violate';

  return {
    check(event) {
      const src = event.source;
      if (hasCidrs) {
        const ip = src?.ip;
        if (ip === undefined) {
          if (strict) return 'no source IP in the event';
        } else {
          let inside: boolean;
          const fast = ipv4ToInt(ip);
          if (fast >= 0) inside = v4Matches(v4, fast);
          else {
            // Only canonical dotted quads are IPv4: "10.1.2" or "010.1.2.3" (inet_aton forms) would
            // parse to other addresses than a reader of the log expects.
            const addr = ip.includes(':') ? parseIp(ip) : null;
            if (addr === null) return `source IP ${ip} is not an IP address`;
            inside = addr.kind() === 'ipv4' ? v4Matches(v4, octetsToInt(addr.toByteArray())) : v6.some((r) => addr.match(r));
          }
          if (!inside) return `source IP ${ip} is outside ${spec.cidrs?.join(', ')}`;
        }
      }
      if (asns) {
        const asn = src?.asn === undefined ? undefined : normalizeAsn(src.asn) ?? src.asn;
        if (asn === undefined ? strict : !asns.has(asn)) return asn === undefined ? 'no source ASN in the event' : `ASN ${asn} is not allowed`;
      }
      if (countries) {
        const c = src?.country?.toUpperCase();
        if (c === undefined ? strict : !countries.has(c)) return c === undefined ? 'no source country in the event' : `country ${c} is not allowed`;
      }
      if (regions) {
        const r = src?.region;
        if (r === undefined ? strict : !regions.matches(r)) return r === undefined ? 'no region in the event' : `region ${r} is not allowed`;
      }
      if (workloads) {
        const w = src?.workload;
        if (w === undefined ? strict : !workloads.matches(w)) return w === undefined ? 'no workload in the event' : `workload ${w} is not allowed`;
      }
      return null;
    },
  };
}
