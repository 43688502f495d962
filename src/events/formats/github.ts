/**
 * GitHub audit log: REST API (`/orgs/{org}/audit-log`, `/enterprises/{e}/audit-log`) entries and
 * audit log streaming exports, which share field names (`@timestamp`/`created_at` in epoch ms).
 */
import type { EventIdentity, IdentityType, WardenEvent } from '../event.js';
import { contentId } from '../hash.js';
import { bool, obj, str } from '../json.js';
import type { JsonObject } from '../json.js';
import { toIsoTime } from '../time.js';
import type { FormatContext, Sink } from '../types.js';

function identityType(actor: string, e: JsonObject): IdentityType {
  const access = str(e.programmatic_access_type)?.toLowerCase() ?? '';
  if (actor.endsWith('[bot]') || bool(e.actor_is_bot) === true) return 'bot';
  if (access.includes('github app') || access.includes('oauth')) return 'app';
  if (access.includes('personal access token')) return 'token';
  return 'user';
}

/** Payload fields of audit entries that say what an action changed. */
const REQUEST_FIELDS = [
  'visibility', 'previous_visibility', 'public_repo', 'repository_public', 'permission', 'old_permission', 'role',
  'old_role', 'name', 'branch', 'key', 'fingerprint', 'read_only', 'team', 'data', 'config', 'explanation',
  'enforcement_level', 'stream_type', 'workflow_id', 'event', 'head_branch', 'integration', 'oauth_application',
  'scopes', 'ruleset_enforcement', 'secret_name', 'environment_name',
] as const;

export function looksLikeGitHub(v: JsonObject): boolean {
  if (typeof v.action !== 'string') return false;
  if (v.actor !== undefined || v.actor_id !== undefined || v._document_id !== undefined) return true;
  // An entry without an actor is still GitHub's (and is rejected as MISSING_IDENTITY).
  return (v['@timestamp'] !== undefined || v.created_at !== undefined) && (v.org !== undefined || v.business !== undefined || v.repo !== undefined);
}

export function normalizeGitHub(e: JsonObject, _ctx: FormatContext, sink: Sink): void {
  // Without a login, the numeric actor id still identifies who acted (renamed or deleted accounts).
  const actorId = str(e.actor_id);
  const actor = str(e.actor) ?? (actorId ? `github-id:${actorId}` : undefined);
  if (!actor) return sink.reject('MISSING_IDENTITY', 'GitHub audit entry has no actor or actor_id', e);
  const action = str(e.action);
  if (!action) return sink.reject('MISSING_ACTION', 'GitHub audit entry has no action', e);
  const rawTime = e['@timestamp'] ?? e.created_at ?? e.timestamp;
  if (rawTime === undefined || rawTime === null || rawTime === '') return sink.reject('MISSING_TIME', 'GitHub audit entry has no @timestamp or created_at', e);
  const time = toIsoTime(rawTime);
  if (!time) return sink.reject('BAD_TIMESTAMP', `GitHub timestamp ${JSON.stringify(rawTime)} is not a valid time`, e);
  const identity: EventIdentity = { id: actor, type: identityType(actor, e) };
  const token = str(e.token_id) ?? str(e.hashed_token);
  if (token) identity.tokenId = token;
  const event: WardenEvent = {
    id: str(e._document_id) ?? contentId(JSON.stringify(e)),
    time,
    identity,
    action: `github:${action}`,
    outcome: 'success',
  };
  const resource = str(e.repo) ?? str(e.repository) ?? str(e.org) ?? str(e.business);
  if (resource) event.resource = resource;
  const operation = str(e.operation_type);
  if (operation) event.readOnly = operation === 'access';
  const ip = str(e.actor_ip);
  const userAgent = str(e.user_agent);
  const country = str(obj(e.actor_location)?.country_code);
  if (ip || userAgent || country) {
    event.source = {};
    if (ip) event.source.ip = ip;
    if (userAgent) event.source.userAgent = userAgent;
    if (country) event.source.country = country;
  }
  const attributes: Record<string, unknown> = {};
  for (const key of ['org', 'repo', 'business', 'user', 'actor_id', 'operation_type', 'programmatic_access_type', 'hashed_token'] as const) {
    const value = str(e[key]);
    if (value) attributes[key] = value;
  }
  // What the action changed, when the entry says (visibility, permission, key, branch, …), for
  // knowledge-pack conditions; only the fields present are kept.
  let request: Record<string, unknown> | undefined;
  for (const key of REQUEST_FIELDS) {
    const value = e[key];
    if (value !== undefined && value !== null && value !== '') (request ??= {})[key] = value;
  }
  if (request) attributes.request = request;
  event.attributes = attributes;
  sink.event(event, e);
}
