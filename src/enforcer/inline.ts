/**
 * Inline mode: the gateway asks a decider about the request itself before forwarding it, on top
 * of the block table. The decider is whatever scores requests (the Warden pipeline's scoring
 * stages, wired by `warden gateway --inline`, or an embedding application); the gateway only
 * bounds its time and applies the answer.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Reason, Verdict } from '../decisions/decision.js';

/** What the gateway knows about a request when it asks the decider. */
export interface GatewayRequestInfo {
  identity: string;
  tokenId?: string;
  method: string;
  /** The canonical path (no query). */
  path: string;
  /** `?…` as received, or `''`. */
  query: string;
  /** The canonical target (path and query) the gateway matched and forwards (docs/enforcement.md). */
  uri: string;
  /** `METHOD /canonical/path` (no query): the action the block table and the decider see. */
  action: string;
  sourceIp: string | null;
  userAgent: string | null;
  headers: IncomingHttpHeaders;
  /** Wall clock of arrival (ms since the epoch). */
  receivedAt: number;
}

export interface InlineVerdict {
  verdict: Verdict;
  /** The decision id the decider published, so the 403 body and the decision stream line up. */
  decisionId?: string;
  reason?: string;
  /** The decision's reasons (code, detail, weight), strongest first: the 403 body lists them, a header their codes. */
  reasons?: readonly Reason[];
  /** Risk score 0..100. */
  score?: number;
  /** Id of the audit event the request was decided as (and emitted as, with `gateway.inline.emit`). */
  eventId?: string;
  /**
   * Why the decision was made without the baselines (Redis slow or down): the gateway then applies
   * `gateway.inline.failMode` unless the verdict is `block`.
   */
  degraded?: string;
}

/** Scores one request. `block` → 403; `alert` → forwarded and marked; `allow` → forwarded. */
export type InlineDecider = (request: GatewayRequestInfo) => InlineVerdict | Promise<InlineVerdict>;

export type InlineOutcome = InlineVerdict | { verdict: 'error'; reason: string };

/** Runs the decider with a deadline; a slow or failing decider becomes `error`, which the gateway maps through failMode. */
export async function runInline(decide: InlineDecider, request: GatewayRequestInfo, timeoutMs: number): Promise<InlineOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<InlineOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ verdict: 'error', reason: `inline decider took longer than ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => decide(request)), deadline]);
  } catch (err) {
    return { verdict: 'error', reason: `inline decider failed: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}
