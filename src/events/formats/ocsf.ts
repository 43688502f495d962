/**
 * OCSF API Activity (class 6003), as Amazon Security Lake stores CloudTrail: OCSF 1.0.0-rc.2
 * (Security Lake v1: `actor.user.uid` is the principal id, `uuid` the ARN, `account_uid`,
 * `session.mfa`) and OCSF 1.1+ (v2: `actor.user.uid` is the ARN, `uid_alt` the principal id,
 * `account.uid`, `session.is_mfa`, `api.request.data`). Security Lake files CloudTrail calls under
 * Account Change (3001) and Authentication (3002) as well; any class whose record carries
 * `api.operation` is read as the API call it is. Other classes are rejected (UNKNOWN_FORMAT, the
 * class named).
 *
 * The record is rebuilt as the CloudTrail record it came from and normalized by the CloudTrail
 * normalizer, so an identity, action, resource and outcome are the same whichever of the two a
 * user reads: switching from raw CloudTrail to Security Lake changes no policy and no baseline.
 */
import { contentId } from '../hash.js';
import { bool, isObject, num, obj, str } from '../json.js';
import type { JsonObject } from '../json.js';
import { toIsoTime } from '../time.js';
import type { FormatContext, Sink } from '../types.js';
import { normalizeCloudTrailRecord } from './cloudtrail.js';

export const OCSF_API_ACTIVITY = 6003;

/** Names of the classes a Security Lake or OCSF pipeline is likely to send, for reject messages. */
const CLASS_NAMES: Readonly<Record<number, string>> = {
  1001: 'File System Activity', 1007: 'Process Activity', 2001: 'Security Finding', 2002: 'Vulnerability Finding',
  2003: 'Compliance Finding', 2004: 'Detection Finding', 3001: 'Account Change', 3002: 'Authentication',
  3003: 'Authorize Session', 3004: 'Entity Management', 3005: 'User Access Management', 3006: 'Group Management',
  4001: 'Network Activity', 4002: 'HTTP Activity', 4003: 'DNS Activity', 5001: 'Device Inventory Info',
  6001: 'Web Resources Activity', 6002: 'Application Lifecycle', 6003: 'API Activity', 6004: 'Web Resource Access Activity',
  6005: 'Datastore Activity',
};

/** OCSF `activity_id` of API Activity: 1 Create, 2 Read, 3 Update, 4 Delete (0 Unknown, 99 Other). */
const READ_ONLY_BY_ACTIVITY: Readonly<Record<number, boolean>> = { 1: false, 2: true, 3: false, 4: false };

/** OCSF `status_id`: 1 Success, 2 Failure. */
const STATUS_FAILURE = 2;

function classUid(v: JsonObject): number | undefined {
  const n = num(v.class_uid);
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

function isArn(s: string | undefined): s is string {
  return s !== undefined && s.startsWith('arn:');
}

/**
 * `unmapped` holds what OCSF has no field for: Security Lake writes `requestParameters`,
 * `responseElements`, `additionalEventData` as JSON strings (a map of strings), other producers
 * as objects, and some flatten them (`requestParameters.bucketName`).
 */
function unmappedObject(unmapped: JsonObject | undefined, key: string): JsonObject | undefined {
  if (!unmapped) return undefined;
  const direct = jsonObject(unmapped[key]);
  if (direct) return direct;
  let flat: JsonObject | undefined;
  const prefix = `${key}.`;
  for (const k in unmapped) {
    if (k.startsWith(prefix) && k.length > prefix.length) {
      flat ??= {};
      flat[k.slice(prefix.length)] = unmapped[k];
    }
  }
  return flat;
}

/** An object, or a JSON string holding one (never throws). */
function jsonObject(v: unknown): JsonObject | undefined {
  if (isObject(v)) return v;
  if (typeof v !== 'string' || v.length < 2 || v.charCodeAt(0) !== 0x7b /* { */) return undefined;
  try {
    return obj(JSON.parse(v));
  } catch {
    return undefined;
  }
}

/** CloudTrail's `userIdentity.type` when the record does not say: from the ARN's shape. */
function typeFromArn(arn: string | undefined, invokedBy: string | undefined, hasUser: boolean): string | undefined {
  if (arn) {
    if (/^arn:[^:]+:sts::\d*:assumed-role\//.test(arn)) return 'AssumedRole';
    if (/^arn:[^:]+:sts::\d*:federated-user\//.test(arn)) return 'FederatedUser';
    if (/^arn:[^:]+:iam::\d*:user\//.test(arn)) return 'IAMUser';
    if (/^arn:[^:]+:iam::\d*:root$/.test(arn)) return 'Root';
  }
  return !hasUser && invokedBy ? 'AWSService' : undefined;
}

/** The CloudTrail `userIdentity` the actor was mapped from, or undefined when it names no one. */
function userIdentityOf(actor: JsonObject | undefined): JsonObject | undefined {
  if (!actor) return undefined;
  const user = obj(actor.user);
  const session = obj(actor.session);
  const invokedBy = str(actor.invoked_by);
  // 1.1+: uid is the ARN and uid_alt the principal id; 1.0.0-rc.2: uid is the principal id, uuid the ARN.
  const ids = [str(user?.uid), str(user?.uuid), str(user?.uid_alt)];
  const arn = ids.find(isArn);
  const principalId = ids.find((s) => s !== undefined && !isArn(s));
  const issuer = str(session?.issuer);
  const type = str(user?.type) ?? typeFromArn(arn, invokedBy, user !== undefined);
  const identity: JsonObject = {};
  if (type) identity.type = type;
  if (principalId) identity.principalId = principalId;
  if (arn) identity.arn = arn;
  const account = str(obj(user?.account)?.uid) ?? str(user?.account_uid);
  if (account) identity.accountId = account;
  const key = str(user?.credential_uid);
  if (key) identity.accessKeyId = key;
  const name = str(user?.name);
  if (name) identity.userName = name;
  if (invokedBy) identity.invokedBy = invokedBy;
  const mfa = bool(session?.is_mfa) ?? bool(session?.mfa);
  if (issuer || mfa !== undefined) {
    const context: JsonObject = {};
    if (issuer) context.sessionIssuer = { arn: issuer };
    if (mfa !== undefined) context.attributes = { mfaAuthenticated: String(mfa) };
    identity.sessionContext = context;
  }
  // Named by nothing but a type (or by nothing at all): no identity. A root call may name only its account.
  const named = arn !== undefined || principalId !== undefined || issuer !== undefined || name !== undefined || invokedBy !== undefined;
  return named || (type === 'Root' && account !== undefined) ? identity : undefined;
}

function resourcesOf(v: unknown): JsonObject[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: JsonObject[] = [];
  for (const r of v) {
    const uid = isObject(r) ? str(r.uid) : undefined;
    if (!uid) continue;
    const res: JsonObject = { ARN: uid };
    const type = str((r as JsonObject).type);
    if (type) res.type = type;
    out.push(res);
  }
  return out.length > 0 ? out : undefined;
}

function failed(r: JsonObject): boolean {
  return num(r.status_id) === STATUS_FAILURE || str(r.status)?.toLowerCase() === 'failure';
}

/** Is this an OCSF event (any class)? Classes other than API calls are rejected by the normalizer. */
export function looksLikeOcsf(v: JsonObject): boolean {
  if (classUid(v) === undefined) return false;
  return isObject(v.metadata) || isObject(v.api) || v.type_uid !== undefined || v.category_uid !== undefined || v.activity_id !== undefined;
}

export function normalizeOcsf(r: JsonObject, _ctx: FormatContext, sink: Sink): void {
  const cls = classUid(r);
  const api = obj(r.api);
  const operation = str(api?.operation);
  if (cls !== OCSF_API_ACTIVITY && !operation) {
    const name = str(r.class_name) ?? (cls !== undefined ? CLASS_NAMES[cls] : undefined);
    const label = cls === undefined ? 'an OCSF record without a class_uid' : `OCSF class ${cls}${name ? ` (${name})` : ''}`;
    return sink.reject('UNKNOWN_FORMAT', `${label} is not read: only API Activity (6003) and other records carrying api.operation are`, r);
  }
  const actor = obj(r.actor);
  const userIdentity = userIdentityOf(actor);
  if (!userIdentity) return sink.reject('MISSING_IDENTITY', 'OCSF record has no usable actor (actor.user uid/name, actor.session.issuer or actor.invoked_by)', r);
  if (!operation) return sink.reject('MISSING_ACTION', 'OCSF record has no api.operation', r);
  const rawTime = r.time ?? r.time_dt;
  if (rawTime === undefined || rawTime === null) return sink.reject('MISSING_TIME', 'OCSF record has no time', r);
  if (!toIsoTime(rawTime)) return sink.reject('BAD_TIMESTAMP', `OCSF time ${JSON.stringify(rawTime)} is not a valid time`, r);

  const metadata = obj(r.metadata);
  const unmapped = obj(r.unmapped);
  const response = obj(api?.response);
  const request = obj(api?.request);
  const cloud = obj(r.cloud);
  const src = obj(r.src_endpoint);
  const ct: JsonObject = {
    eventID: str(metadata?.uid) ?? contentId(JSON.stringify(r)),
    eventTime: rawTime,
    eventName: operation,
    userIdentity,
  };
  const service = str(obj(api?.service)?.name);
  if (service) ct.eventSource = service;
  // A failure without `api.response.error` keeps the source's own status code when there is one.
  const errorCode = str(response?.error) ?? (failed(r) ? str(r.status_code) : undefined);
  if (errorCode) ct.errorCode = errorCode;
  const region = str(cloud?.region);
  if (region) ct.awsRegion = region;
  const sourceIp = str(src?.ip) ?? str(src?.domain);
  if (sourceIp) ct.sourceIPAddress = sourceIp;
  const userAgent = str(obj(r.http_request)?.user_agent);
  if (userAgent) ct.userAgent = userAgent;
  const vpce = str(src?.uid);
  if (vpce?.startsWith('vpce-')) ct.vpcEndpointId = vpce;
  const account = str(obj(cloud?.account)?.uid) ?? str(cloud?.account_uid) ?? str(unmapped?.recipientAccountId);
  if (account) ct.recipientAccountId = account;
  const eventType = str(metadata?.event_code) ?? str(unmapped?.eventType);
  if (eventType) ct.eventType = eventType;
  const activity = num(r.activity_id);
  const readOnly = bool(unmapped?.readOnly) ?? (activity !== undefined ? READ_ONLY_BY_ACTIVITY[activity] : undefined);
  if (readOnly !== undefined) ct.readOnly = readOnly;
  const resources = resourcesOf(r.resources);
  if (resources) ct.resources = resources;
  const requestParameters = jsonObject(request?.data) ?? unmappedObject(unmapped, 'requestParameters');
  if (requestParameters) ct.requestParameters = requestParameters;
  const responseElements = jsonObject(response?.data) ?? unmappedObject(unmapped, 'responseElements');
  if (responseElements) ct.responseElements = responseElements;
  const additional = unmappedObject(unmapped, 'additionalEventData');
  if (additional) ct.additionalEventData = additional;

  const requestId = str(request?.uid);
  normalizeCloudTrailRecord(ct, {}, {
    event(event) {
      // A failure with no error code at all: the CloudTrail mapping alone would say success.
      if (failed(r) && event.outcome === 'success') event.outcome = 'failure';
      const attributes = (event.attributes ??= {});
      if (requestId) attributes.requestId = requestId;
      if (cls !== undefined) attributes.ocsfClass = cls;
      sink.event(event, r);
    },
    reject(reason, message) {
      sink.reject(reason, message.replace(/^CloudTrail record/, 'OCSF record'), r);
    },
    skip() {
      sink.skip();
    },
  });
}
