/**
 * What a decision says about the call itself, in OCSF objects: the API (`service:operation`
 * actions), the cloud (from an AWS ARN or a GCP resource name) and the source endpoint (the
 * values the baseline reasons name: a new source IP, ASN or country).
 */
import type { Decision } from '../decisions/decision.js';

export interface OcsfApi {
  operation: string;
  service?: { name: string };
}
export interface OcsfCloud {
  provider: string;
  region?: string;
  account?: { uid: string; type_id: number; type: string };
  project_uid?: string;
}
export interface OcsfSrcEndpoint {
  ip?: string;
  autonomous_system?: { number: number };
  location?: { country: string };
  name?: string;
}

export function apiOf(action: string): OcsfApi {
  const at = action.indexOf(':');
  if (at <= 0 || at === action.length - 1) return { operation: action };
  return { operation: action.slice(at + 1), service: { name: action.slice(0, at) } };
}

const ARN = /^arn:(aws[a-z-]*):([^:]*):([^:]*):(\d{12})?:/;
const GCP = /^(?:\/\/[a-z.]+googleapis\.com\/)?projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])(?:\/|$)/;

export function cloudOf(resource: string | null): OcsfCloud | undefined {
  if (resource === null) return undefined;
  const arn = ARN.exec(resource);
  if (arn) {
    const cloud: OcsfCloud = { provider: 'AWS' };
    if (arn[3]) cloud.region = arn[3];
    if (arn[4]) cloud.account = { uid: arn[4], type_id: 10, type: 'AWS Account' };
    return cloud;
  }
  const gcp = GCP.exec(resource);
  if (gcp) return { provider: 'GCP', project_uid: gcp[1]! };
  return undefined;
}

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;

/** The source values the decision's reasons state (novelty details: `source IP <ip> …`). */
export function srcEndpointOf(decision: Pick<Decision, 'reasons'>): OcsfSrcEndpoint | undefined {
  const out: OcsfSrcEndpoint = {};
  for (const r of decision.reasons) {
    const value = /^source (?:IP|ASN|country) (\S+) (?:never seen|seen \d+×)/.exec(r.detail)?.[1];
    if (value === undefined) continue;
    if (r.code === 'NEW_SOURCE_IP' && (IPV4.test(value) || IPV6.test(value))) out.ip = value;
    else if (r.code === 'NEW_SOURCE_ASN') {
      const n = Number(value.replace(/^AS/i, ''));
      if (Number.isInteger(n) && n >= 0) out.autonomous_system = { number: n };
    } else if (r.code === 'NEW_SOURCE_COUNTRY' && /^[A-Z]{2}$/.test(value)) out.location = { country: value };
  }
  // network_endpoint needs one of ip, uid, name, …: a bare ASN or country is named by itself.
  if (out.ip === undefined && (out.autonomous_system || out.location)) out.name = [out.autonomous_system ? `AS${out.autonomous_system.number}` : '', out.location?.country ?? ''].filter(Boolean).join(' ');
  return Object.keys(out).length > 0 ? out : undefined;
}
