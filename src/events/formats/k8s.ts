/**
 * Kubernetes audit events (`audit.k8s.io/v1` and `v1beta1`, `Event` and `EventList`).
 * RequestReceived only announces a request that a later stage records again, so by default
 * it is skipped; ResponseStarted (long-running requests: watch, exec, logs) and ResponseComplete
 * share the request's auditID and therefore the event id, so a consumer sees them as one event.
 */
import type { EventIdentity, IdentityType, Outcome, WardenEvent } from '../event.js';
import { contentId } from '../hash.js';
import { firstStr, isObject, num, obj, str } from '../json.js';
import type { JsonObject } from '../json.js';
import { toIsoTime } from '../time.js';
import type { FormatContext, Sink } from '../types.js';

const READ_VERBS = new Set(['get', 'list', 'watch']);

function identityType(username: string): IdentityType {
  if (username.startsWith('system:serviceaccount:')) return 'service_account';
  if (username.startsWith('system:node:')) return 'workload';
  if (username === 'system:anonymous') return 'unknown';
  if (username.startsWith('system:') || username.startsWith('eks:')) return 'service';
  return 'user';
}

function identityOf(e: JsonObject): EventIdentity | undefined {
  const user = obj(e.user);
  const username = str(user?.username);
  const impersonated = str(obj(e.impersonatedUser)?.username);
  const actor = impersonated ?? username;
  if (!actor) return undefined;
  const identity: EventIdentity = { id: actor, type: identityType(actor) };
  if (impersonated && username) identity.delegationChain = [username];
  const extra = obj(user?.extra);
  if (extra) {
    const credential = firstStr(extra['authentication.kubernetes.io/credential-id']) ?? firstStr(extra.accessKeyId);
    if (credential) identity.tokenId = credential;
    const session = firstStr(extra.sessionName) ?? firstStr(extra['authentication.kubernetes.io/pod-uid']);
    if (session) identity.sessionId = session;
  }
  return identity;
}

function outcomeOf(e: JsonObject): Outcome {
  if (e.stage === 'Panic') return 'failure';
  const code = num(obj(e.responseStatus)?.code);
  if (code === 401 || code === 403) return 'denied';
  if (str(obj(e.annotations)?.['authorization.k8s.io/decision']) === 'forbid') return 'denied';
  return code !== undefined && code >= 400 ? 'failure' : 'success';
}

function resourceOf(ref: JsonObject | undefined): string | undefined {
  if (!ref) return undefined;
  const resource = str(ref.resource);
  if (!resource) return undefined;
  const ns = str(ref.namespace);
  const name = str(ref.name);
  const sub = str(ref.subresource);
  let path = ns ? `namespaces/${ns}/${resource}` : resource;
  if (name) path += `/${name}`;
  if (sub) path += `/${sub}`;
  return path;
}

function normalizeEvent(e: JsonObject, ctx: FormatContext, sink: Sink): void {
  const stage = str(e.stage);
  if (stage && !ctx.k8sStages.has(stage)) return sink.skip();
  const identity = identityOf(e);
  if (!identity) return sink.reject('MISSING_IDENTITY', 'Kubernetes audit event has no user.username', e);
  const verb = str(e.verb);
  const ref = obj(e.objectRef);
  const resourceName = str(ref?.resource);
  const sub = str(ref?.subresource);
  // Non-resource requests (/healthz, /version) have no objectRef: the URL path is the target.
  const target = resourceName ? (sub ? `${resourceName}/${sub}` : resourceName) : str(e.requestURI)?.split('?')[0];
  if (!verb || !target) return sink.reject('MISSING_ACTION', 'Kubernetes audit event has no verb or target resource', e);
  const rawTime = e.requestReceivedTimestamp ?? e.stageTimestamp ?? e.timestamp ?? obj(e.metadata)?.creationTimestamp;
  if (rawTime === undefined || rawTime === null) return sink.reject('MISSING_TIME', 'Kubernetes audit event has no timestamp', e);
  const time = toIsoTime(rawTime);
  if (!time) return sink.reject('BAD_TIMESTAMP', `Kubernetes timestamp ${JSON.stringify(rawTime)} is not a valid time`, e);
  const event: WardenEvent = {
    id: str(e.auditID) ?? contentId(JSON.stringify(e)),
    time,
    identity,
    action: `k8s:${verb}:${target}`,
    outcome: outcomeOf(e),
    readOnly: READ_VERBS.has(verb),
  };
  const resource = resourceOf(ref) ?? (resourceName ? undefined : target);
  if (resource) event.resource = resource;
  const ip = firstStr(e.sourceIPs);
  const userAgent = str(e.userAgent);
  const pod = firstStr(obj(obj(e.user)?.extra)?.['authentication.kubernetes.io/pod-name']);
  if (ip || userAgent || pod) {
    event.source = {};
    if (ip) event.source.ip = ip;
    if (userAgent) event.source.userAgent = userAgent;
    if (pod) event.source.workload = pod;
  }
  const attributes: Record<string, unknown> = {};
  if (stage) attributes.stage = stage;
  const code = num(obj(e.responseStatus)?.code);
  if (code !== undefined) attributes.responseCode = code;
  const ns = str(ref?.namespace);
  if (ns) attributes.namespace = ns;
  const group = str(ref?.apiGroup);
  if (group) attributes.apiGroup = group;
  const groups = obj(e.user)?.groups;
  if (Array.isArray(groups)) attributes.groups = groups.filter((g) => typeof g === 'string');
  // Kept as recorded (no copy) for knowledge-pack conditions: what was created or bound, and on what.
  if (ref) attributes.objectRef = ref;
  if (isObject(e.requestObject)) attributes.request = e.requestObject;
  event.attributes = attributes;
  sink.event(event, e);
}

export function looksLikeK8s(v: JsonObject): boolean {
  const apiVersion = str(v.apiVersion);
  if (apiVersion?.startsWith('audit.k8s.io/')) return true;
  if (v.kind === 'EventList' && Array.isArray(v.items)) return v.items.length === 0 || (isObject(v.items[0]) && v.items[0].auditID !== undefined);
  return v.kind === 'Event' && v.auditID !== undefined && v.stage !== undefined;
}

export function normalizeK8s(v: JsonObject, ctx: FormatContext, sink: Sink): void {
  // A list says so (`kind: EventList`) or holds items; an empty `items` on anything else is not a
  // list with nothing in it but a record to reject, so that it is not lost without a trace.
  if (v.kind === 'EventList' || (Array.isArray(v.items) && v.items.length > 0)) {
    const items = Array.isArray(v.items) ? v.items : [];
    items.forEach((item, i) => {
      if (isObject(item)) normalizeEvent(item, ctx, sink);
      else sink.reject('INVALID_EVENT', `items[${i}] is not an object`, item);
    });
    return;
  }
  normalizeEvent(v, ctx, sink);
}
