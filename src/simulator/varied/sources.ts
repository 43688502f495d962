/**
 * Where an episode's calls come from. Every value is drawn from what the fleet's benign identities
 * use (their networks, user agents and workloads): an attacker is told apart by what, when, how
 * much and from which of the fleet's places, never by a string only attackers carry.
 */
import type { Rng } from '../rng.js';
import type { VariedIdentity } from './fleet.js';
import { NETWORKS } from './fleet.js';
import type { Source } from './routine.js';
import { homeSource } from './routine.js';

function otherIdentities(idn: VariedIdentity, fleet: readonly VariedIdentity[]): VariedIdentity[] {
  const others = fleet.filter((f) => f.id !== idn.id);
  return others.length > 0 ? others : [idn];
}

/** The identity's own network, user agent and workload: a credential used from inside. */
export function insideSource(idn: VariedIdentity, rng: Rng): Source {
  return homeSource(idn, rng);
}

/** Another host and workload in the same network (same ASN, same /16, another /24). */
export function sameNetworkOtherHost(idn: VariedIdentity, fleet: readonly VariedIdentity[], rng: Rng): Source {
  const home = homeSource(idn, rng);
  const [a, b] = (idn.home.nets[0] ?? '10.0.0').split('.');
  let third = rng.int(0, 255);
  const used = new Set(idn.home.nets.map((n) => n.split('.')[2]));
  while (used.has(String(third))) third = (third + 1) % 256;
  const workloads = [...new Set(otherIdentities(idn, fleet).map((f) => f.home.workload).filter((w) => w !== idn.home.workload))];
  return { ...home, ip: `${a}.${b}.${third}.${rng.int(1, 254)}`, workload: workloads.length > 0 ? rng.pick(workloads) : `${idn.home.workload}-2` };
}

/**
 * A network the identity never used, taken from the fleet's networks, with a user agent some
 * benign identity uses (half the time the victim's own).
 */
export function newNetworkSource(idn: VariedIdentity, fleet: readonly VariedIdentity[], rng: Rng): Source {
  const candidates = NETWORKS.filter((n) => n.asn !== idn.home.network.asn);
  const net = rng.pick(candidates);
  const peers = otherIdentities(idn, fleet).filter((f) => f.platform === idn.platform);
  const peer = peers.length > 0 ? rng.pick(peers) : idn;
  const userAgent = rng.chance(0.5) ? idn.home.userAgent : peer.home.userAgent;
  return {
    ip: `${net.prefix}.${rng.int(1, 250)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    asn: net.asn, country: net.country, region: idn.home.region, userAgent, workload: peer.home.workload,
  };
}

/** Other identities' subjects: the data an attacker goes after is usually someone else's. */
export function foreignSubject(idn: VariedIdentity, fleet: readonly VariedIdentity[], rng: Rng): string {
  return rng.pick(otherIdentities(idn, fleet)).subject;
}
