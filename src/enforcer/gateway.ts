/**
 * `warden gateway`: an HTTP(S) server that (1) answers `/v1/check` for nginx `auth_request` and
 * Envoy ext_authz, and (2) when an upstream is configured, proxies every other request to it
 * unless the caller is blocked. Plain node:http rather than a framework: the proxy path must
 * stream bodies untouched and add well under a millisecond. Its own endpoints live under
 * `/_warden/` so they never shadow the upstream's paths.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import type { GatewayConfig } from '../config/sections/gateway.js';
import { WardenError } from '../errors.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import { decide, reasonCodes } from './gateway-decide.js';
import type { BlockChecker, DecideContext, GatewayVerdict } from './gateway-decide.js';
import type { EnforcerStats } from './enforcer.js';
import { UpstreamProxy } from './gateway-proxy.js';
import { singleHeader } from './identify.js';
import type { HeaderProblem, Identifier } from './identify.js';
import type { InlineDecider } from './inline.js';
import type { InlineStats } from './inline-setup.js';
import { canonicalMethod, canonicalRequestTarget } from './request-target.js';
import type { TargetOptions, TargetProblem } from './request-target.js';

export interface GatewayOptions {
  config: GatewayConfig;
  checker: BlockChecker;
  identifier: Identifier;
  /** Inline mode: scores each request before it is forwarded. */
  inline?: InlineDecider;
  /** TLS material (PEM) when the gateway terminates TLS / mTLS itself. */
  tls?: { cert: string; key: string; ca?: string; requestClientCert: boolean };
  /** Ready when the block table has caught up (`/_warden/readyz`). */
  isReady?: () => boolean;
  /** The enforcer's counters, exported on `/_warden/metrics`. */
  enforcerStats?: () => EnforcerStats;
  /** Inline mode's baseline cache and audit event counters (`openInlineDecider().stats`), exported on `/_warden/metrics`. */
  inlineStats?: () => InlineStats;
  logger?: Logger;
}

export interface Gateway {
  /** `http://host:port` the gateway listens on. */
  url: string;
  port: number;
  registry: Registry;
  close(): Promise<void>;
}

/** Header values must be printable ASCII; reasons are free text. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 256);
}

function decisionHeaders(verdict: GatewayVerdict): Record<string, string> {
  const headers: Record<string, string> = { 'x-warden-decision': verdict.allowed ? 'allow' : 'block' };
  if (verdict.caller) headers['x-warden-identity'] = headerSafe(verdict.caller.identity);
  if (verdict.decisionId) headers['x-warden-decision-id'] = headerSafe(verdict.decisionId);
  if (verdict.reason) headers['x-warden-reason'] = headerSafe(verdict.reason);
  if (verdict.grantId) headers['x-warden-approval'] = headerSafe(verdict.grantId);
  if (verdict.reasons) headers['x-warden-reason-codes'] = headerSafe(reasonCodes(verdict.reasons));
  if (verdict.eventId) headers['x-warden-event-id'] = headerSafe(verdict.eventId);
  if (verdict.marks) for (const [name, value] of Object.entries(verdict.marks)) headers[name] = headerSafe(value);
  return headers;
}

function sendDenied(response: ServerResponse, verdict: GatewayVerdict): void {
  const body = JSON.stringify({
    error: verdict.status === 401 ? 'unidentified' : verdict.status === 503 ? 'decision_unavailable' : 'blocked',
    identity: verdict.caller?.identity ?? null,
    reason: verdict.reason ?? null,
    decisionId: verdict.decisionId ?? null,
    expiresAt: verdict.expiresAt ?? null,
    ...(verdict.eventId !== undefined ? { eventId: verdict.eventId } : {}),
    ...(verdict.score !== undefined ? { score: verdict.score } : {}),
    ...(verdict.reasons ? { reasons: verdict.reasons.map((r) => ({ code: r.code, detail: r.detail, weight: r.weight })) } : {}),
  });
  const headers: Record<string, string | number> = { ...decisionHeaders(verdict), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' };
  if (verdict.status === 503) headers['x-warden-decision'] = 'unavailable';
  response.writeHead(verdict.status, headers);
  response.end(body);
}

/** Problems only `/v1/check` reports: the original request is missing. */
export const CHECK_PROBLEMS = ['missing-original-uri', 'missing-original-method'] as const;
/** Every `problem` a 400 from the gateway can carry (docs/enforcement.md lists them; a test checks). */
export type GatewayProblem = TargetProblem | HeaderProblem | (typeof CHECK_PROBLEMS)[number];

/** 400 with a stable problem code: the request is ambiguous or incomplete, not denied. */
function sendBadRequest(response: ServerResponse, problem: GatewayProblem, detail: string): void {
  const body = JSON.stringify({ error: 'bad_request', problem, detail });
  response.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', connection: 'close' });
  response.end(body);
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, identifier } = options;
  const log = (options.logger ?? silentLogger).child({ component: 'gateway' });
  const registry = new Registry();
  const requests = new Counter({ name: 'warden_gateway_requests_total', help: 'Proxied requests by outcome (allowed, granted, blocked, unidentified, stale, inline_block, inline_alert, inline_degraded, inline_unavailable, bad_request)', labelNames: ['outcome'], registers: [registry] });
  const checks = new Counter({ name: 'warden_gateway_checks_total', help: 'Check endpoint answers by outcome', labelNames: ['outcome'], registers: [registry] });
  const upstreamErrors = new Counter({ name: 'warden_gateway_upstream_errors_total', help: 'Requests the upstream did not answer (502/504)', registers: [registry] });
  const stats = options.enforcerStats;
  if (stats) {
    const gauge = (name: string, help: string, read: (s: EnforcerStats) => number): void => {
      new Gauge({ name, help, registers: [registry], collect() { this.set(read(stats())); } });
    };
    gauge('warden_enforcer_active_blocks', 'Blocks in the local table', (s) => s.activeBlocks);
    gauge('warden_enforcer_stale', '1 while the block table is stale (not caught up, or no contact for maxStalenessMs)', (s) => (s.stale ? 1 : 0));
    gauge('warden_enforcer_seconds_since_contact', 'Seconds since the last successful fetch or heartbeat', (s) => s.msSinceContact / 1000);
    gauge('warden_enforcer_records_rejected', 'Block records dropped: unsigned, forged, malformed or mis-keyed', (s) => s.recordsRejected);
    gauge('warden_enforcer_records_out_of_date', 'Validly signed block records older than one already applied (replays)', (s) => s.recordsOutOfDate);
    gauge('warden_enforcer_active_grants', 'Approval grants in force (0 when the approvals topic is not followed)', (s) => s.approvals?.activeGrants ?? 0);
    gauge('warden_enforcer_approval_records_rejected', 'Approval records dropped: unsigned, forged, malformed or mis-keyed', (s) => s.approvals?.recordsRejected ?? 0);
  }
  const inlineStats = options.inlineStats;
  if (inlineStats) {
    const gauge = (name: string, help: string, read: (s: InlineStats) => number): void => {
      new Gauge({ name, help, registers: [registry], collect() { this.set(read(inlineStats())); } });
    };
    gauge('warden_gateway_inline_baseline_cache_hits', 'Inline baseline loads served from the cache (or a read in flight)', (s) => s.cache.hits);
    gauge('warden_gateway_inline_baseline_reads', 'Inline baseline loads read from Redis', (s) => s.cache.misses);
    gauge('warden_gateway_inline_baselines_cached', 'Baselines in the inline cache', (s) => s.cache.cached);
    gauge('warden_gateway_emitted_events', 'Audit events produced to the input topic (gateway.inline.emit)', (s) => s.emitter?.emitted ?? 0);
    gauge('warden_gateway_emit_buffered_events', 'Audit events waiting for the broker', (s) => s.emitter?.buffered ?? 0);
    gauge('warden_gateway_emit_dropped_events', 'Audit events dropped after the broker refused them too long', (s) => s.emitter?.dropped ?? 0);
  }
  const context: DecideContext = {
    checker: options.checker,
    unidentified: config.unidentified,
    failMode: config.failMode,
    ...(options.inline ? { inline: { decide: options.inline, timeoutMs: config.inline.timeoutMs, failMode: config.inline.failMode } } : {}),
  };
  if (config.inline.enabled && !options.inline) throw new WardenError('WARDEN_USAGE', 'gateway.inline.enabled needs an inline decider: start the gateway with `warden gateway --inline`, which wires the Warden decider');
  const proxy = config.upstream
    ? new UpstreamProxy({ url: config.upstream, connections: config.upstreamConnections, timeoutMs: config.upstreamTimeoutMs, identityHeader: config.identify.header.toLowerCase(), tokenHeader: config.identify.tokenHeader.toLowerCase() })
    : null;
  const checkPath = config.checkPath;
  const secure = options.tls !== undefined;

  const targetOptions: TargetOptions = { encodedSlashes: config.encodedSlashes };

  const answerCheck = (request: IncomingMessage, response: ServerResponse, path: string): void => {
    const refused = (problem: GatewayProblem, detail: string): void => {
      checks.inc({ outcome: 'bad_request' });
      sendBadRequest(response, problem, detail);
    };
    // nginx sends X-Original-URI / X-Original-Method; Envoy appends the original path to the
    // check path and keeps the original method. Without either, there is nothing to check: a
    // default of "GET /" would let every path-scoped block pass.
    const uriHeader = singleHeader(request.rawHeaders, 'x-original-uri', 'allow-list');
    if (!uriHeader.ok) return refused(uriHeader.problem, uriHeader.detail);
    const methodHeader = singleHeader(request.rawHeaders, 'x-original-method', 'allow-list');
    if (!methodHeader.ok) return refused(methodHeader.problem, methodHeader.detail);
    let rawTarget: string;
    let rawMethod: string;
    if (uriHeader.value !== undefined) {
      if (methodHeader.value === undefined) return refused('missing-original-method', 'X-Original-URI without X-Original-Method: send both (nginx: proxy_set_header X-Original-Method $request_method)');
      rawTarget = uriHeader.value;
      rawMethod = methodHeader.value;
    } else if (path.length > checkPath.length) {
      rawTarget = (request.url ?? '').slice(checkPath.length);
      rawMethod = methodHeader.value ?? request.method ?? '';
    } else {
      return refused('missing-original-uri', `no original request: send X-Original-URI and X-Original-Method (nginx), or append the path to ${checkPath} (Envoy path_prefix)`);
    }
    const target = canonicalRequestTarget(rawTarget, targetOptions);
    if (!target.ok) return refused(target.problem, target.detail);
    const method = canonicalMethod(rawMethod);
    if (!method.ok) return refused(method.problem, method.detail);
    const identified = identifier.forCheck(request);
    if (!identified.ok) return refused(identified.problem, identified.detail);
    const render = (verdict: GatewayVerdict): void => {
      checks.inc({ outcome: verdict.outcome });
      if (!verdict.allowed) return sendDenied(response, verdict);
      response.writeHead(200, { ...decisionHeaders(verdict), 'content-length': 0, 'cache-control': 'no-store' });
      response.end();
    };
    const verdict = decide(context, { caller: identified.caller, method: method.method, target, sourceIp: null, headers: request.headers });
    if (verdict instanceof Promise) void verdict.then(render);
    else render(verdict);
  };

  const answerProxy = (request: IncomingMessage, response: ServerResponse): void => {
    const refused = (problem: GatewayProblem, detail: string): void => {
      requests.inc({ outcome: 'bad_request' });
      request.resume();
      sendBadRequest(response, problem, detail);
    };
    const target = canonicalRequestTarget(request.url ?? '', targetOptions);
    if (!target.ok) return refused(target.problem, target.detail);
    const method = canonicalMethod(request.method ?? '');
    if (!method.ok) return refused(method.problem, method.detail);
    const identified = identifier.forRequest(request);
    if (!identified.ok) return refused(identified.problem, identified.detail);
    const forward = (verdict: GatewayVerdict): void => {
      requests.inc({ outcome: verdict.outcome });
      if (!verdict.allowed) {
        request.resume();
        return sendDenied(response, verdict);
      }
      if (!proxy) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'no upstream configured; this gateway answers only ' + checkPath }));
        return;
      }
      const identity = verdict.caller?.identity ?? '';
      // The upstream gets exactly the target that was matched, never the raw spelling.
      void proxy.forward(request, response, { target: target.target, identity, ...(verdict.caller?.tokenId ? { tokenId: verdict.caller.tokenId } : {}), ...(verdict.marks ? { marks: verdict.marks } : {}), secure }).then((status) => {
        if (status === 502 || status === 504) {
          upstreamErrors.inc();
          log.warn({ status, identity, uri: target.target }, 'upstream did not answer');
        }
      });
    };
    const verdict = decide(context, { caller: identified.caller, method: method.method, target, sourceIp: request.socket.remoteAddress ?? null, headers: request.headers });
    if (verdict instanceof Promise) void verdict.then(forward);
    else forward(verdict);
  };

  const answerOwn = async (path: string, response: ServerResponse): Promise<void> => {
    if (path === '/_warden/metrics') {
      const body = await registry.metrics();
      response.writeHead(200, { 'content-type': registry.contentType });
      response.end(body);
      return;
    }
    const ready = path === '/_warden/healthz' || (options.isReady?.() ?? true);
    const known = path === '/_warden/healthz' || path === '/_warden/readyz';
    response.writeHead(known ? (ready ? 200 : 503) : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(known ? { status: ready ? 'ok' : 'not ready' } : { error: 'not found' }));
  };

  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const url = request.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === checkPath || path.startsWith(checkPath + '/')) return answerCheck(request, response, path);
    if (path.startsWith('/_warden/')) {
      void answerOwn(path, response);
      return;
    }
    answerProxy(request, response);
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, ...(options.tls.ca ? { ca: options.tls.ca } : {}), requestCert: options.tls.requestClientCert, rejectUnauthorized: false }, handler)
    : createHttpServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${secure ? 'https' : 'http'}://${host}:${address.port}`;
  log.info({ url, upstream: config.upstream ?? null, identify: config.identify.mode }, 'gateway listening');
  return {
    url,
    port: address.port,
    registry,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await proxy?.close();
    },
  };
}
