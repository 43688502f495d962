/**
 * The gateway's one decision procedure, shared by the proxy path and `/v1/check`: identify the
 * caller, look the block table up (synchronous, in memory), then optionally ask the inline
 * decider. Returns what to answer; the callers only render it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Reason } from '../decisions/decision.js';
import type { CheckResult } from './enforcer.js';
import type { CallerIdentity } from './identify.js';
import { runInline } from './inline.js';
import type { CanonicalTarget } from './request-target.js';
import type { GatewayRequestInfo, InlineDecider, InlineOutcome } from './inline.js';

/** The part of the enforcer the gateway needs; the Kafka-fed Enforcer is one. */
export interface BlockChecker {
  check(identity: string, tokenId?: string, action?: string, resource?: string): CheckResult;
}

export type GatewayOutcome = 'allowed' | 'granted' | 'blocked' | 'unidentified' | 'stale' | 'inline_block' | 'inline_alert' | 'inline_degraded' | 'inline_unavailable';

export interface GatewayVerdict {
  allowed: boolean;
  outcome: GatewayOutcome;
  status: 200 | 401 | 403 | 503;
  caller: CallerIdentity | null;
  reason?: string;
  decisionId?: string | null;
  expiresAt?: string | null;
  /** The approval whose grant let the request through a block. */
  grantId?: string;
  /** Inline decisions: the reasons of the decision (403 body). */
  reasons?: readonly Reason[];
  score?: number;
  eventId?: string;
  /** Headers that mark an allowed request (alert, degraded) for the upstream and the client. */
  marks?: Record<string, string>;
}

export interface DecideContext {
  checker: BlockChecker;
  unidentified: 'deny' | 'allow';
  failMode: 'open' | 'closed';
  inline?: {
    decide: InlineDecider;
    timeoutMs: number;
    /** Decisions made without the baselines, or none at all: `open` forwards them marked, `closed` answers 503. */
    failMode: 'open' | 'closed';
  };
}

/** One request as the gateway decides it: method and target already canonical (request-target.ts). */
export interface RequestFacts {
  caller: CallerIdentity | null;
  /** Upper-case HTTP token. */
  method: string;
  /** The canonical target (path and query): what is forwarded, and the resource checked. */
  target: CanonicalTarget;
  sourceIp: string | null;
  headers: IncomingHttpHeaders;
}

/** `METHOD /canonical/path`: the action scoped blocks are matched against (no query). */
export function actionOf(method: string, target: CanonicalTarget): string {
  return `${method} ${target.path}`;
}

function local(context: DecideContext, facts: RequestFacts, action: string): GatewayVerdict {
  const caller = facts.caller;
  if (caller === null) {
    return context.unidentified === 'allow'
      ? { allowed: true, outcome: 'unidentified', status: 200, caller }
      : { allowed: false, outcome: 'unidentified', status: 401, caller, reason: 'caller not identified' };
  }
  const result = context.checker.check(caller.identity, caller.tokenId, action, facts.target.target);
  if (result.allowed) return result.grant ? { allowed: true, outcome: 'granted', status: 200, caller, grantId: result.grant.id } : { allowed: true, outcome: 'allowed', status: 200, caller };
  return {
    allowed: false,
    outcome: result.stale && !result.block ? 'stale' : 'blocked',
    status: 403,
    caller,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    decisionId: result.decisionId ?? null,
    expiresAt: result.expiresAt ?? null,
  };
}

/** Synchronous when there is no inline decider, so the common path costs no promise. */
export function decide(context: DecideContext, facts: RequestFacts): GatewayVerdict | Promise<GatewayVerdict> {
  const action = actionOf(facts.method, facts.target);
  const verdict = local(context, facts, action);
  // A grant is a human's decision for exactly this action through a block: the inline decider
  // (which would see the block's evidence again) does not overrule it.
  if (!verdict.allowed || verdict.outcome === 'granted' || !context.inline || verdict.caller === null) return verdict;
  const caller = verdict.caller;
  const info: GatewayRequestInfo = {
    identity: caller.identity,
    ...(caller.tokenId ? { tokenId: caller.tokenId } : {}),
    method: facts.method,
    path: facts.target.path,
    query: facts.target.query,
    uri: facts.target.target,
    action,
    sourceIp: facts.sourceIp,
    userAgent: typeof facts.headers['user-agent'] === 'string' ? facts.headers['user-agent'] : null,
    headers: facts.headers,
    receivedAt: Date.now(),
  };
  const inline = context.inline;
  return runInline(inline.decide, info, inline.timeoutMs).then((answer) => inlineVerdict(answer, caller, inline.failMode));
}

/** Comma-separated reason codes with weight, strongest first, for a header. */
export function reasonCodes(reasons: readonly Reason[]): string {
  return reasons
    .filter((r) => r.weight > 0 || r.code === 'STORE_UNAVAILABLE')
    .map((r) => r.code)
    .join(',');
}

/** How the gateway answers an inline decision (docs/enforcement.md, "Inline mode"). */
export function inlineVerdict(answer: InlineOutcome, caller: CallerIdentity, failMode: 'open' | 'closed'): GatewayVerdict {
  if (answer.verdict === 'error') {
    return failMode === 'closed'
      ? { allowed: false, outcome: 'inline_unavailable', status: 503, caller, reason: answer.reason, decisionId: null }
      : { allowed: true, outcome: 'inline_degraded', status: 200, caller, reason: answer.reason, marks: { 'x-warden-degraded': answer.reason } };
  }
  const detail = {
    ...(answer.reasons ? { reasons: answer.reasons } : {}),
    ...(answer.score !== undefined ? { score: answer.score } : {}),
    ...(answer.eventId !== undefined ? { eventId: answer.eventId } : {}),
  };
  if (answer.verdict === 'block') {
    return { allowed: false, outcome: 'inline_block', status: 403, caller, reason: answer.reason ?? 'blocked by inline decision', decisionId: answer.decisionId ?? null, ...detail };
  }
  if (answer.degraded !== undefined && failMode === 'closed') {
    return { allowed: false, outcome: 'inline_unavailable', status: 503, caller, reason: answer.degraded, decisionId: answer.decisionId ?? null, ...detail };
  }
  const marks: Record<string, string> = {};
  if (answer.eventId !== undefined) marks['x-warden-event-id'] = answer.eventId;
  if (answer.decisionId !== undefined) marks['x-warden-decision-id'] = answer.decisionId;
  if (answer.verdict === 'alert') {
    marks['x-warden-decision'] = 'alert';
    if (answer.reasons) marks['x-warden-reason-codes'] = reasonCodes(answer.reasons);
  }
  if (answer.degraded !== undefined) marks['x-warden-degraded'] = answer.degraded;
  const outcome: GatewayOutcome = answer.degraded !== undefined ? 'inline_degraded' : answer.verdict === 'alert' ? 'inline_alert' : 'allowed';
  return { allowed: true, outcome, status: 200, caller, ...(answer.reason !== undefined && answer.verdict === 'alert' ? { reason: answer.reason } : {}), decisionId: answer.decisionId ?? null, ...detail, marks };
}
