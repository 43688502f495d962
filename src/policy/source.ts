/**
 * Source constraints: where a request may come from. Each listed dimension (CIDRs, ASNs,
 * countries, regions, workloads) must be satisfied; within a dimension any entry will do.
 * CIDRs are parsed at load time (IPv4 and IPv6; an IPv4-mapped IPv6 address matches IPv4 ranges).
 */
import ipaddr from 'ipaddr.js';
import type { WardenEvent } from '../events/event.js';
import { compilePatterns } from '../config/glob.js';
import type { PatternList } from '../config/glob.js';

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
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const cidr of spec.cidrs ?? []) {
    const range = ipaddr.parseCIDR(cidr);
    (range[0].kind() === 'ipv4' ? v4 : v6).push(range);
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
          const addr = parseIp(ip);
          if (addr === null) return `source IP ${ip} is not an IP address`;
          const ranges = addr.kind() === 'ipv4' ? v4 : v6;
          if (!ranges.some((r) => addr.match(r))) return `source IP ${ip} is outside ${spec.cidrs?.join(', ')}`;
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
