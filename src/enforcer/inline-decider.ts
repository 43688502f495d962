/**
 * `warden gateway --inline`: each request becomes a native Warden event (through the route
 * mapping) and is decided by the decider `warden run` uses (identity, policy, technique knowledge,
 * baseline, thresholds), on a one-event batch, against baselines read from a read-only store.
 * Nothing here writes a baseline: the decider's learning goes to the read-only store, which drops
 * it. With `emit`, the event is handed on (to the input topic) after it was decided, with the same
 * id, so `warden run` learns from it once and publishes the same decision.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { InlineConfig } from '../config/sections/gateway.js';
import type { Decision } from '../decisions/decision.js';
import type { WardenEvent } from '../events/event.js';
import { createNormalizer } from '../events/index.js';
import type { Normalizer } from '../events/index.js';
import type { Decider } from '../scoring/decider.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import { compileRoutes } from './inline-routes.js';
import type { RouteMapper } from './inline-routes.js';
import type { GatewayRequestInfo, InlineDecider, InlineVerdict } from './inline.js';

export interface GatewayDeciderOptions {
  /** The decider of `warden run` (createDecider), over a read-only store. */
  decider: Pick<Decider, 'decideBatch'>;
  inline: InlineConfig;
  /** Event time of a request (the wall clock unless a demo runs its own). */
  clock?: () => Date;
  /**
   * The native normalizer of the input topic (`createNormalizer({ format: 'warden', events })`):
   * the gateway decides on exactly the event `warden run` will read from what it emits.
   * @defaultValue the native normalizer with the default `events` config
   */
  normalize?: Normalizer;
  /** What a held block covers (config `blocks.scope`). @defaultValue 'identity' */
  blockScope?: 'identity' | 'token';
  /** Wall clock in ms, for held blocks. */
  now?: () => number;
  /** Receives every decided event and its JSON (after its decision), when `inline.emit` is on. */
  emit?: (event: WardenEvent, json: string) => void;
  logger?: Logger;
}

function header(headers: GatewayRequestInfo['headers'], name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const v = headers[name.toLowerCase()];
  const value = Array.isArray(v) ? v[0] : v;
  return value === undefined || value === '' ? undefined : value;
}

function digest(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export interface EventBuilder {
  (request: GatewayRequestInfo): WardenEvent;
}

/**
 * The request as a native event. Its id is `gw:` + a digest of (request id, identity, method,
 * target) when a trusted proxy sets `requestIdHeader`, else of (this gateway's random instance id,
 * a counter, identity, method, target, time): the same inputs always give the same id, and two
 * requests never share one.
 */
export function createEventBuilder(inline: InlineConfig, clock: () => Date = () => new Date(), map: RouteMapper = compileRoutes(inline.routes)): EventBuilder {
  const instance = randomBytes(8).toString('hex');
  let sequence = 0;
  const fixed = inline.event;
  return (request) => {
    const time = clock().toISOString();
    const requestId = header(request.headers, inline.requestIdHeader);
    const id = `gw:${digest(requestId !== undefined ? ['rid', requestId, request.identity, request.method, request.uri] : [instance, String(++sequence), request.identity, request.method, request.uri, time])}`;
    const mapped = map({ method: request.method, path: request.path, query: request.query, headers: request.headers });
    const ip = header(request.headers, inline.sourceIpHeader)?.split(',')[0]?.trim() ?? request.sourceIp ?? undefined;
    const workload = header(request.headers, inline.workloadHeader);
    const source = {
      ...(ip ? { ip } : {}),
      ...(request.userAgent ? { userAgent: request.userAgent } : {}),
      ...(fixed.region ? { region: fixed.region } : {}),
      ...(workload ? { workload } : {}),
    };
    const length = Number(header(request.headers, 'content-length'));
    return {
      id,
      time,
      identity: { id: request.identity, type: fixed.identityType, ...(request.tokenId ? { tokenId: request.tokenId } : {}) },
      action: mapped.action,
      resource: mapped.resource,
      ...(Object.keys(source).length > 0 ? { source } : {}),
      ...(fixed.environment ? { environment: fixed.environment } : {}),
      ...(mapped.privileged !== undefined ? { privileged: mapped.privileged } : {}),
      ...(mapped.readOnly !== undefined ? { readOnly: mapped.readOnly } : {}),
      ...(Number.isSafeInteger(length) && length > 0 ? { bytes: length } : {}),
      sourceFormat: 'warden',
      attributes: { http: { method: request.method, path: request.path, ...(mapped.route ? { route: mapped.route } : {}) }, ...(mapped.request ? { request: mapped.request } : {}) },
    };
  };
}

class Deadline extends Error {}

/** Resolves with the work, or rejects with Deadline after `ms`; a late failure of the work is swallowed. */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Deadline()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** `risk 91: POLICY_DENY, NEW_SOURCE_IP, …`: the block table's wording. */
function summary(decision: Decision): string {
  const top = decision.reasons
    .filter((r) => r.weight > 0)
    .slice(0, 3)
    .map((r) => r.code)
    .join(', ');
  return `risk ${decision.score}: ${top || 'policy'}`;
}

export function verdictOf(decision: Decision, degraded?: string): InlineVerdict {
  return {
    verdict: decision.verdict,
    decisionId: decision.decisionId,
    eventId: decision.eventId,
    score: decision.score,
    reasons: decision.reasons,
    reason: summary(decision),
    ...(degraded !== undefined ? { degraded } : {}),
  };
}

/**
 * The inline decider. The baselines get 80% of `inline.timeoutMs`; a read that fails or is late
 * is replaced by a decision on identity, policy and technique knowledge only (the decider's
 * `storeUnavailable`), reported as `degraded` so the gateway applies `inline.failMode`.
 */
export function createGatewayDecider(options: GatewayDeciderOptions): InlineDecider {
  const { decider, inline } = options;
  const log = (options.logger ?? silentLogger).child({ component: 'gateway-inline' });
  const build = createEventBuilder(inline, options.clock);
  const normalize = options.normalize ?? createNormalizer({ format: 'warden' });
  const origin = { topic: 'gateway' };
  const budget = Math.max(1, Math.floor(inline.timeoutMs * 0.8));
  const emit = inline.emit ? options.emit : undefined;
  let storeDown = false;
  const now = options.now ?? Date.now;
  const scope = options.blockScope ?? 'identity';
  /** Blocks this gateway decided, held for `inline.holdBlockMs` (key: identity, or identity and token). */
  const held = new Map<string, { until: number; verdict: InlineVerdict }>();
  const keyOf = (request: GatewayRequestInfo): string => (scope === 'token' && request.tokenId ? `${request.identity}\u0000${request.tokenId}` : request.identity);
  const holding = (request: GatewayRequestInfo): InlineVerdict | null => {
    if (inline.holdBlockMs === 0 || held.size === 0) return null;
    const key = keyOf(request);
    const hold = held.get(key);
    if (!hold) return null;
    if (hold.until > now()) return hold.verdict;
    held.delete(key);
    return null;
  };
  const hold = (request: GatewayRequestInfo, verdict: InlineVerdict): void => {
    if (inline.holdBlockMs === 0 || verdict.verdict !== 'block') return;
    if (held.size >= 100_000) for (const [k, h] of held) if (h.until <= now()) held.delete(k);
    const { eventId: _decidedEvent, ...rest } = verdict;
    held.set(keyOf(request), { until: now() + inline.holdBlockMs, verdict: { ...rest, reason: `held after an inline block (${verdict.reason ?? 'blocked'})` } });
  };
  return async (request) => {
    // Refused a moment ago: the same answer until warden run's block record is in the table.
    const heldVerdict = holding(request);
    if (heldVerdict) return heldVerdict;
    // The event as the input topic carries it, read back the way `warden run` reads it (the native
    // normalizer fills in what it derives, e.g. `privileged`), so both decide on the same event.
    const json = JSON.stringify(build(request));
    const normalized = normalize(json, origin);
    const event = normalized.events[0];
    if (!event) throw new Error(`the request does not map to a valid event: ${normalized.rejects[0]?.message ?? 'no event'}`);
    try {
      let decided: Decision | undefined;
      let degraded: string | undefined;
      try {
        decided = (await within(decider.decideBatch([event]), budget))[0];
        if (storeDown) log.info('baselines readable again');
        storeDown = false;
      } catch (err) {
        degraded = err instanceof Deadline ? `baselines not read within ${budget} ms` : `baselines unavailable: ${err instanceof Error ? err.message : String(err)}`;
        if (!storeDown) log.warn({ reason: degraded }, 'deciding inline without baselines');
        storeDown = true;
        decided = (await decider.decideBatch([event], undefined, { storeUnavailable: true }))[0];
      }
      if (!decided) throw new Error('the decider returned no decision');
      const verdict = verdictOf(decided, degraded);
      hold(request, verdict);
      return verdict;
    } finally {
      // After the decision: `warden run` must not learn the event before the gateway read the baselines.
      emit?.(event, json);
    }
  };
}
