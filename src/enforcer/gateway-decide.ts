/**
 * The gateway's one decision procedure, shared by the proxy path and `/v1/check`: identify the
 * caller, look the block table up (synchronous, in memory), then optionally ask the inline
 * decider. Returns what to answer; the callers only render it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CheckResult } from './enforcer.js';
import type { CallerIdentity } from './identify.js';
import { runInline } from './inline.js';
import type { CanonicalTarget } from './request-target.js';
import type { GatewayRequestInfo, InlineDecider } from './inline.js';

/** The part of the enforcer the gateway needs; the Kafka-fed Enforcer is one. */
export interface BlockChecker {
  check(identity: string, tokenId?: string, action?: string, resource?: string): CheckResult;
}

export type GatewayOutcome = 'allowed' | 'granted' | 'blocked' | 'unidentified' | 'stale' | 'inline_block' | 'inline_error';

export interface GatewayVerdict {
  allowed: boolean;
  outcome: GatewayOutcome;
  status: 200 | 401 | 403;
  caller: CallerIdentity | null;
  reason?: string;
  decisionId?: string | null;
  expiresAt?: string | null;
  /** The approval whose grant let the request through a block. */
  grantId?: string;
}

export interface DecideContext {
  checker: BlockChecker;
  unidentified: 'deny' | 'allow';
  failMode: 'open' | 'closed';
  inline?: { decide: InlineDecider; timeoutMs: number };
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
  if (!verdict.allowed || !context.inline || verdict.caller === null) return verdict;
  const caller = verdict.caller;
  const info: GatewayRequestInfo = {
    identity: caller.identity,
    ...(caller.tokenId ? { tokenId: caller.tokenId } : {}),
    method: facts.method,
    uri: facts.target.target,
    action,
    sourceIp: facts.sourceIp,
    userAgent: typeof facts.headers['user-agent'] === 'string' ? facts.headers['user-agent'] : null,
    headers: facts.headers,
    receivedAt: Date.now(),
  };
  return runInline(context.inline.decide, info, context.inline.timeoutMs).then((answer): GatewayVerdict => {
    if (answer.verdict === 'error') {
      return context.failMode === 'closed'
        ? { allowed: false, outcome: 'inline_error', status: 403, caller, reason: answer.reason, decisionId: null }
        : { ...verdict, outcome: 'inline_error' };
    }
    if (answer.verdict !== 'block') return verdict;
    return { allowed: false, outcome: 'inline_block', status: 403, caller, reason: answer.reason ?? 'blocked by inline decision', decisionId: answer.decisionId ?? null };
  });
}
