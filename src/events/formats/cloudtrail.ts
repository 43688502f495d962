/**
 * AWS CloudTrail: single records, `{"Records":[…]}` log files and EventBridge envelopes
 * (`detail-type: AWS API Call via CloudTrail`). Mapping follows the CloudTrail record contents
 * and userIdentity element reference.
 */
import type { EventIdentity, IdentityType, Outcome, WardenEvent } from '../event.js';
import { contentId } from '../hash.js';
import { bool, isObject, obj, str } from '../json.js';
import type { JsonObject } from '../json.js';
import { toIsoTime } from '../time.js';
import type { FormatContext, Sink } from '../types.js';

const IP_LIKE = /^[0-9a-f.:]+$/i;

/**
 * The API version some services append to CloudTrail event names: Lambda a compact date with an
 * optional revision (`UpdateFunctionCode20150331v2`, `PublishLayerVersion20181031`), CloudFront a
 * date with underscores (`UpdateDistribution2020_05_31`). Only a real calendar date (years
 * 2000-2099) right after a letter counts, so that a name's own trailing digits (`ListObjectsV2`,
 * `…Ipv6`) are never touched.
 */
const API_VERSION_SUFFIX = /(?<=[A-Za-z])20\d\d(?:(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:v\d{1,2})?|_(?:0[1-9]|1[0-2])_(?:0[1-9]|[12]\d|3[01]))$/;

/**
 * The event name without the API version a service appended to it: the name IAM policies and
 * the API reference use (`UpdateFunctionCode20150331v2` → `UpdateFunctionCode`).
 */
export function canonicalEventName(eventName: string): string {
  return eventName.replace(API_VERSION_SUFFIX, '');
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Request parameters that name the target resource, in order of preference. */
const RESOURCE_PARAMS = [
  'roleArn', 'policyArn', 'userArn', 'resourceArn', 'topicArn', 'secretId', 'keyId', 'functionName', 'roleName',
  'userName', 'groupName', 'policyName', 'trailName', 'name', 'queueUrl', 'tableName', 'clusterName',
  'repositoryName', 'stackName', 'dBInstanceIdentifier', 'instanceId', 'groupId', 'detectorId', 'bucketName',
] as const;
const RESOURCE_RANK = new Map<string, number>(RESOURCE_PARAMS.map((name, i) => [name, i]));

function sessionName(arn: string | undefined): string | undefined {
  // arn:aws:sts::123456789012:assumed-role/RoleName/session-name
  if (!arn) return undefined;
  const parts = arn.split('/');
  return parts.length >= 3 ? parts[parts.length - 1] : undefined;
}

function roleArnFromAssumed(arn: string | undefined): string | undefined {
  const m = arn ? /^arn:([^:]+):sts::(\d*):assumed-role\/([^/]+)/.exec(arn) : null;
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

function identityOf(u: JsonObject): EventIdentity | undefined {
  const type = str(u.type);
  const arn = str(u.arn);
  const issuer = obj(obj(u.sessionContext)?.sessionIssuer);
  const issuerArn = str(issuer?.arn);
  let id: string | undefined;
  let kind: IdentityType = 'unknown';
  let sessionId: string | undefined;
  switch (type) {
    case 'AssumedRole':
      id = issuerArn ?? roleArnFromAssumed(arn) ?? arn ?? str(u.principalId);
      kind = 'role';
      sessionId = sessionName(arn);
      break;
    case 'IAMUser':
      id = arn ?? str(u.userName) ?? str(u.principalId);
      kind = 'user';
      break;
    case 'Root':
      id = arn ?? (str(u.accountId) ? `arn:aws:iam::${str(u.accountId)}:root` : undefined);
      kind = 'user';
      break;
    case 'AWSService':
      id = str(u.invokedBy) ?? str(u.principalId);
      kind = 'service';
      break;
    case 'FederatedUser':
      id = arn ?? issuerArn ?? str(u.principalId);
      kind = 'user';
      sessionId = sessionName(arn);
      break;
    default:
      id = arn ?? issuerArn ?? str(u.userName) ?? str(u.principalId) ?? str(u.invokedBy) ?? str(u.accountId);
      kind = type === 'AWSAccount' ? 'unknown' : type === 'IdentityCenterUser' || type === 'SAMLUser' || type === 'WebIdentityUser' ? 'user' : 'unknown';
  }
  // Sparse records (hand-written or redacted) may carry only a name: still an identity.
  id ??= arn ?? issuerArn ?? str(u.userName) ?? str(u.principalId) ?? str(u.invokedBy);
  if (!id) return undefined;
  const identity: EventIdentity = { id, type: kind };
  const token = str(u.accessKeyId);
  if (token) identity.tokenId = token;
  if (sessionId) identity.sessionId = sessionId;
  // A service acting on the principal's behalf (e.g. CloudFormation) is part of the chain.
  const invokedBy = str(u.invokedBy);
  if (invokedBy && type !== 'AWSService') identity.delegationChain = [invokedBy];
  return identity;
}

function outcomeOf(errorCode: string | undefined): Outcome {
  if (!errorCode) return 'success';
  return /accessdenied|unauthorized|forbidden|notauthorized/i.test(errorCode) ? 'denied' : 'failure';
}

function resourceOf(r: JsonObject): string | undefined {
  const resources = r.resources;
  if (Array.isArray(resources)) {
    for (const res of resources) {
      const arn = isObject(res) ? (str(res.ARN) ?? str(res.arn)) : undefined;
      if (arn) return arn;
    }
  }
  const params = obj(r.requestParameters);
  if (!params) return undefined;
  const bucket = str(params.bucketName);
  if (bucket) {
    const key = str(params.key);
    return `arn:aws:s3:::${bucket}${key ? `/${key}` : ''}`;
  }
  // Walk the (few) parameters present rather than probing for every known name.
  let best: string | undefined;
  let bestRank: number = RESOURCE_PARAMS.length;
  for (const key in params) {
    const rank = RESOURCE_RANK.get(key);
    if (rank !== undefined && rank < bestRank) {
      const value = str(params[key]);
      if (value) {
        best = value;
        bestRank = rank;
      }
    }
  }
  return best;
}

/** Normalizes one CloudTrail record (not an envelope). */
export function normalizeCloudTrailRecord(r: JsonObject, fallback: { id?: string; time?: unknown }, sink: Sink): void {
  const userIdentity = obj(r.userIdentity);
  const identity = userIdentity ? identityOf(userIdentity) : undefined;
  if (!identity) return sink.reject('MISSING_IDENTITY', 'CloudTrail record has no usable userIdentity', r);
  const eventName = str(r.eventName);
  if (!eventName) return sink.reject('MISSING_ACTION', 'CloudTrail record has no eventName', r);
  const rawTime = r.eventTime ?? fallback.time;
  if (rawTime === undefined || rawTime === null) return sink.reject('MISSING_TIME', 'CloudTrail record has no eventTime', r);
  const time = toIsoTime(rawTime);
  if (!time) return sink.reject('BAD_TIMESTAMP', `CloudTrail eventTime ${JSON.stringify(rawTime)} is not a valid time`, r);
  const service = (str(r.eventSource) ?? 'aws').replace(/\.amazonaws\.com$/, '');
  const errorCode = str(r.errorCode);
  const name = canonicalEventName(eventName);
  const event: WardenEvent = {
    id: str(r.eventID) ?? fallback.id ?? contentId(JSON.stringify(r)),
    time,
    identity,
    action: `${service}:${name}`,
    outcome: outcomeOf(errorCode),
  };
  const resource = resourceOf(r);
  if (resource) event.resource = resource;
  const readOnly = bool(r.readOnly);
  if (readOnly !== undefined) event.readOnly = readOnly;
  const sourceIp = str(r.sourceIPAddress);
  const userAgent = str(r.userAgent);
  const region = str(r.awsRegion);
  if (sourceIp || userAgent || region) {
    event.source = {};
    if (sourceIp && IP_LIKE.test(sourceIp)) event.source.ip = sourceIp;
    if (userAgent) event.source.userAgent = userAgent;
    if (region) event.source.region = region;
  }
  const attributes: Record<string, unknown> = {};
  // The name as recorded, when the action dropped its API version suffix.
  if (name !== eventName) attributes.eventName = eventName;
  const account = str(r.recipientAccountId) ?? str(userIdentity?.accountId);
  if (account) attributes.account = account;
  if (sourceIp && !IP_LIKE.test(sourceIp)) attributes.sourceHost = sourceIp;
  if (errorCode) attributes.errorCode = errorCode;
  const eventType = str(r.eventType);
  if (eventType) attributes.eventType = eventType;
  const vpce = str(r.vpcEndpointId);
  if (vpce) attributes.vpcEndpointId = vpce;
  const mfa = str(obj(obj(userIdentity?.sessionContext)?.attributes)?.mfaAuthenticated);
  if (mfa) attributes.mfaAuthenticated = mfa === 'true';
  // The request and response as recorded (same objects, not copies: this is the hot path), so
  // that knowledge-pack conditions can look at what was asked for (docs/detections.md).
  if (isObject(r.requestParameters)) attributes.request = r.requestParameters;
  if (isObject(r.responseElements)) attributes.response = r.responseElements;
  if (isObject(r.additionalEventData)) {
    attributes.additionalEventData = r.additionalEventData;
    // S3 data events say how much moved (bytesTransferredOut for reads, In for writes).
    const moved = num(r.additionalEventData.bytesTransferredOut) ?? 0;
    const received = num(r.additionalEventData.bytesTransferredIn) ?? 0;
    if (moved + received > 0) event.bytes = moved + received;
  }
  event.attributes = attributes;
  sink.event(event, r);
}

/** Is this value a CloudTrail record, a Records document, or an EventBridge CloudTrail envelope? */
export function looksLikeCloudTrail(v: JsonObject): boolean {
  if (Array.isArray(v.Records)) return true;
  const detail = obj(v.detail);
  if (detail && (str(v['detail-type'])?.includes('CloudTrail') || (detail.eventSource !== undefined && detail.eventName !== undefined))) return true;
  if (v.eventSource !== undefined && v.eventName !== undefined) return true;
  // A record missing one key fields is still CloudTrail (and is rejected with the precise reason).
  return (v.userIdentity !== undefined || v.eventVersion !== undefined) && (v.eventSource !== undefined || v.eventName !== undefined || v.eventTime !== undefined);
}

export function normalizeCloudTrail(v: JsonObject, _ctx: FormatContext, sink: Sink): void {
  if (Array.isArray(v.Records)) {
    v.Records.forEach((rec, i) => {
      if (isObject(rec)) normalizeCloudTrailRecord(rec, {}, sink);
      else sink.reject('INVALID_EVENT', `Records[${i}] is not an object`, rec);
    });
    return;
  }
  const detail = obj(v.detail);
  if (detail && v.eventName === undefined) {
    // EventBridge: the CloudTrail record is `detail`; the envelope's id/time back it up.
    normalizeCloudTrailRecord(detail, { id: str(detail.eventID) ? undefined : str(v.id), time: v.time }, sink);
    return;
  }
  normalizeCloudTrailRecord(v, {}, sink);
}
