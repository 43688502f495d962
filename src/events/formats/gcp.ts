/**
 * GCP Cloud Audit Logs: a LogEntry whose `protoPayload` is a `google.cloud.audit.AuditLog`.
 * Status codes are google.rpc.Code: 7 PERMISSION_DENIED and 16 UNAUTHENTICATED are denials.
 */
import type { EventIdentity, Outcome, WardenEvent } from '../event.js';
import { contentId } from '../hash.js';
import { isObject, num, obj, str } from '../json.js';
import type { JsonObject } from '../json.js';
import { toIsoTime } from '../time.js';
import type { FormatContext, Sink } from '../types.js';

function identityOf(auth: JsonObject | undefined): EventIdentity | undefined {
  if (!auth) return undefined;
  const subject = str(auth.principalSubject);
  const id = str(auth.principalEmail) ?? subject?.replace(/^(user|serviceAccount):/, '') ?? str(auth.serviceAccountKeyName);
  if (!id) return undefined;
  const isServiceAccount = id.endsWith('.gserviceaccount.com') || subject?.startsWith('serviceAccount:') === true;
  const identity: EventIdentity = { id, type: isServiceAccount ? 'service_account' : 'user' };
  const key = str(auth.serviceAccountKeyName);
  if (key) identity.tokenId = key;
  const delegation = auth.serviceAccountDelegationInfo;
  if (Array.isArray(delegation)) {
    // Listed in the order the delegations happened: the original caller first.
    const chain = delegation
      .map((d) => (isObject(d) ? (str(obj(d.firstPartyPrincipal)?.principalEmail) ?? str(obj(obj(d.thirdPartyPrincipal)?.thirdPartyClaims)?.email) ?? str(d.principalSubject)) : undefined))
      .filter((x): x is string => x !== undefined);
    if (chain.length > 0) identity.delegationChain = chain;
  }
  return identity;
}

function outcomeOf(p: JsonObject): Outcome {
  const status = obj(p.status);
  const code = num(status?.code);
  if (code === 7 || code === 16) return 'denied';
  if (code !== undefined && code !== 0) return 'failure';
  const authz = p.authorizationInfo;
  if (Array.isArray(authz) && authz.length > 0 && authz.every((a) => isObject(a) && a.granted === false)) return 'denied';
  return 'success';
}

function readOnlyOf(logName: string | undefined, method: string): boolean | undefined {
  if (!logName) return undefined;
  if (/activity$|system_event$/.test(logName)) return false;
  if (/data_access$/.test(logName)) {
    const last = method.split('.').pop() ?? method;
    return /^(get|list|read|search|query|lookup|batchget)/i.test(last) ? true : undefined;
  }
  return undefined;
}

/**
 * The IAM permissions the call was checked against, in the order logged (duplicates dropped).
 * Only well-formed permission names count (`bigquery.jobs.create`, `io.k8s.core.v1.pods.create`).
 */
function permissionsOf(p: JsonObject): string[] {
  const authz = p.authorizationInfo;
  if (!Array.isArray(authz)) return [];
  const out: string[] = [];
  for (const a of authz) {
    const permission = isObject(a) ? str(a.permission) : undefined;
    if (permission && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(permission) && !out.includes(permission)) out.push(permission);
  }
  return out;
}

export function looksLikeGcp(v: JsonObject): boolean {
  return isObject(v.protoPayload);
}

export function normalizeGcp(e: JsonObject, _ctx: FormatContext, sink: Sink): void {
  const p = obj(e.protoPayload) ?? {};
  const identity = identityOf(obj(p.authenticationInfo));
  if (!identity) return sink.reject('MISSING_IDENTITY', 'GCP audit entry has no authenticationInfo principal', e);
  const method = str(p.methodName);
  if (!method) return sink.reject('MISSING_ACTION', 'GCP audit entry has no protoPayload.methodName', e);
  const rawTime = e.timestamp ?? e.receiveTimestamp ?? e.receivetimestamp;
  if (rawTime === undefined || rawTime === null) return sink.reject('MISSING_TIME', 'GCP audit entry has no timestamp', e);
  const time = toIsoTime(rawTime);
  if (!time) return sink.reject('BAD_TIMESTAMP', `GCP timestamp ${JSON.stringify(rawTime)} is not a valid time`, e);
  const resourceLabels = obj(obj(e.resource)?.labels);
  const service = str(p.serviceName)?.replace(/\.googleapis\.com$/, '') ?? str(obj(e.resource)?.type) ?? 'gcp';
  const logName = str(e.logName) ?? str(e.logname);
  // The action is the IAM permission checked (what IAM policies and roles name), the first one
  // when a call needed several (the method's own; the others are kept in attributes.permissions),
  // and the method name when the entry logs no authorizationInfo.
  const permissions = permissionsOf(p);
  const event: WardenEvent = {
    id: str(e.insertId) ?? str(e.insertid) ?? contentId(JSON.stringify(e)),
    time,
    identity,
    action: `${service}:${permissions[0] ?? method}`,
    outcome: outcomeOf(p),
  };
  const resource = str(p.resourceName);
  if (resource) event.resource = resource;
  const readOnly = readOnlyOf(logName?.replace(/%2F/gi, '/'), method);
  if (readOnly !== undefined) event.readOnly = readOnly;
  const meta = obj(p.requestMetadata);
  const ip = str(meta?.callerIp) ?? str(meta?.callerIP);
  const userAgent = str(meta?.callerSuppliedUserAgent);
  const region = str(resourceLabels?.location) ?? str(resourceLabels?.region) ?? str(resourceLabels?.zone);
  if (ip || userAgent || region) {
    event.source = {};
    // Google services calling on their own behalf log "private" or "gce-internal-ip" here.
    if (ip && /^[0-9a-f.:]+$/i.test(ip)) event.source.ip = ip;
    if (userAgent) event.source.userAgent = userAgent;
    if (region) event.source.region = region;
  }
  const attributes: Record<string, unknown> = { methodName: method };
  if (permissions.length > 1) attributes.permissions = permissions;
  const project = str(resourceLabels?.project_id);
  if (project) attributes.project = project;
  if (logName) attributes.logName = logName;
  const statusCode = num(obj(p.status)?.code);
  if (statusCode !== undefined && statusCode !== 0) attributes.statusCode = statusCode;
  const oauthClient = str(obj(obj(p.authenticationInfo)?.oauthInfo)?.oauthClientId);
  if (oauthClient) attributes.oauthClientId = oauthClient;
  // Kept as recorded (no copy) for knowledge-pack conditions: e.g. setIamPolicy bindings.
  if (isObject(p.request)) attributes.request = p.request;
  if (isObject(p.serviceData)) attributes.serviceData = p.serviceData;
  event.attributes = attributes;
  sink.event(event, e);
}
