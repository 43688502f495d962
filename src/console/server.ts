/**
 * The console's HTTP routes (Fastify). Every page and stream needs an authenticated principal;
 * every POST needs that principal's CSRF token; blocking and lifting need the operator role and
 * publish a signed operator record exactly as `warden block` / `warden unblock` do.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WardenConfig } from '../config/schema.js';
import type { BaselineStore } from '../baseline/store.js';
import type { IdentityProfile } from '../baseline/profile.js';
import { deriveProfile } from '../baseline/describe.js';
import type { BlockRecord } from '../decisions/block-record.js';
import type { Verdict } from '../decisions/decision.js';
import type { Verifier } from '../decisions/signing.js';
import { operatorBlockRecord, operatorLiftRecord, parseDuration } from '../enforcer/operator-records.js';
import { WardenError } from '../errors.js';
import type { Inventory } from '../identity/inventory.js';
import { findRecord } from '../identity/inventory.js';
import type { Logger } from '../observability/logger.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import type { ConsoleAuth, Principal } from './auth.js';
import type { BlockView } from './block-view.js';
import { decisionMatcher } from './decision-index.js';
import type { DecisionFilter, DecisionIndex } from './decision-index.js';
import type { EventCache } from './event-cache.js';
import { fleetData } from './fleet-data.js';
import type { Html } from './html.js';
import type { LiveHub } from './live.js';
import { liveRow } from './live.js';
import { blocksPage } from './pages/blocks.js';
import { decisionPage } from './pages/decision.js';
import { fleetPage } from './pages/fleet.js';
import { healthPage } from './pages/health.js';
import type { LagRow } from './pages/health.js';
import { identityPage } from './pages/identity.js';
import type { IdentityPageData } from './pages/identity.js';
import { loginPage } from './pages/layout.js';
import type { PageFrame } from './pages/layout.js';
import { LIVE_ROWS, livePage } from './pages/live.js';

export interface ConsoleHealthSource {
  pipelineLag(): Promise<LagRow[]>;
  consoleLag(): LagRow[];
  consoleReady(): boolean;
  malformedDecisions(): number;
  storeReachable(): Promise<boolean>;
}

export interface ConsoleDeps {
  config: WardenConfig;
  auth: ConsoleAuth;
  index: DecisionIndex;
  blocks: BlockView;
  events: EventCache | null;
  live: LiveHub;
  store: BaselineStore;
  inventory: () => Inventory | null;
  verifier: Verifier;
  /** Signs and publishes an operator record to the blocks topic; returns it as published. */
  publishBlock: (record: BlockRecord) => Promise<BlockRecord>;
  health: ConsoleHealthSource;
  logger: Logger;
  now?: () => number;
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const STORE_TIMEOUT_MS = 2000;
const RECENT_ON_IDENTITY_PAGE = 25;
const LOGIN_FAILURES_PER_MINUTE = 10;
const FLASH: Record<string, string> = { blocked: 'Block published: enforcers apply it as soon as they read it.', lifted: 'Lift published: enforcers apply it as soon as they read it.' };

function withTimeout<T>(p: Promise<T>, ms = STORE_TIMEOUT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function filterFrom(query: Record<string, unknown>): DecisionFilter {
  const f: DecisionFilter = {};
  const verdict = str(query.verdict);
  if (verdict === 'allow' || verdict === 'alert' || verdict === 'block') f.verdict = verdict as Verdict;
  for (const key of ['identity', 'owner', 'reason', 'source'] as const) {
    const v = str(query[key]).slice(0, 200);
    if (v) f[key] = v;
  }
  return f;
}

/** A same-site path to return to after login, never another origin. */
function safeNext(next: string): string {
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function wantsHtml(req: FastifyRequest): boolean {
  if (req.url.startsWith('/api/') || req.url.startsWith('/live/stream')) return false;
  const accept = req.headers.accept ?? '';
  return req.method === 'GET' && (accept === '' || accept.includes('text/html') || accept.includes('*/*'));
}

export async function buildConsoleServer(deps: ConsoleDeps): Promise<FastifyInstance> {
  const { auth, index, blocks, config, logger } = deps;
  const now = deps.now ?? Date.now;
  const app = Fastify({ logger: false, trustProxy: false, bodyLimit: 64 * 1024 });
  const principals = new WeakMap<FastifyRequest, Principal>();
  const loginFailures = new Map<string, number[]>();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  const sendHtml = (reply: FastifyReply, body: Html, code = 200): FastifyReply => reply.code(code).type('text/html; charset=utf-8').send(body.text);

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (path.startsWith('/assets/') || path === '/login' || path === '/healthz') return;
    const principal = auth.authenticate({ authorization: req.headers.authorization, cookie: req.headers.cookie, headers: req.headers, remoteAddress: req.socket.remoteAddress });
    if (principal) {
      principals.set(req, principal);
      return;
    }
    if (wantsHtml(req)) return sendHtml(reply, loginPage(req.url, null, auth.acceptsTokens), 401);
    return reply.code(401).header('www-authenticate', 'Bearer realm="warden-console"').send({ error: 'authentication required', code: 'WARDEN_CONSOLE_AUTH' });
  });

  const who = (req: FastifyRequest): Principal => {
    const p = principals.get(req);
    if (!p) throw new WardenError('WARDEN_UNEXPECTED', 'request reached a route without a principal');
    return p;
  };
  const frame = (req: FastifyRequest, title: string, current: PageFrame['current']): PageFrame => {
    const principal = who(req);
    return { title, principal, csrf: auth.csrfToken(principal), current };
  };

  app.get('/assets/console.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CONSOLE_CSS));
  app.get('/assets/console.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CONSOLE_JS));
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/login', async (req, reply) => sendHtml(reply, loginPage(safeNext(str((req.query as Record<string, unknown>).next) || '/'), null, auth.acceptsTokens)));
  app.post('/login', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(str(body.next) || '/');
    const ip = req.socket.remoteAddress ?? '?';
    const recent = (loginFailures.get(ip) ?? []).filter((t) => t > now() - 60_000);
    if (recent.length >= LOGIN_FAILURES_PER_MINUTE) return sendHtml(reply, loginPage(next, 'Too many failed sign-ins; wait a minute.', auth.acceptsTokens), 429);
    const result = auth.login(str(body.token));
    if (!result) {
      recent.push(now());
      loginFailures.set(ip, recent);
      logger.warn({ ip }, 'console sign-in refused');
      return sendHtml(reply, loginPage(next, 'That token is not valid.', auth.acceptsTokens), 401);
    }
    loginFailures.delete(ip);
    logger.info({ operator: result.principal.name, role: result.principal.role }, 'console sign-in');
    return reply.code(303).header('set-cookie', result.cookie).header('location', next).send();
  });

  /** CSRF check for a POST; answers 403 itself and returns false when it fails. */
  const csrfOk = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (auth.checkCsrf(who(req), body.csrf)) return true;
    void reply.code(403).type('text/plain; charset=utf-8').send('CSRF token missing or wrong: reload the page and try again');
    return false;
  };

  app.post('/logout', async (req, reply) => {
    if (!csrfOk(req, reply)) return reply;
    return reply.code(303).header('set-cookie', auth.logout(req.headers.cookie)).header('location', '/login').send();
  });

  const eventSource = (eventId: string): string | null => deps.events?.sourceText(eventId) ?? null;

  app.get('/', async (req, reply) => {
    const filter = filterFrom(req.query as Record<string, unknown>);
    const rows = index.recent(decisionMatcher(filter, eventSource), LIVE_ROWS);
    return sendHtml(reply, livePage(frame(req, 'Live', 'live'), filter, rows, { total: index.total, ...index.totals }));
  });

  app.get('/live/stream', (req, reply) => {
    const filter = filterFrom(req.query as Record<string, unknown>);
    reply.hijack();
    deps.live.attach(reply.raw, decisionMatcher(filter, eventSource));
  });

  app.get('/api/decisions', async (req) => {
    const filter = filterFrom(req.query as Record<string, unknown>);
    const limit = Math.min(1000, Math.max(1, Number(str((req.query as Record<string, unknown>).limit)) || 100));
    return { total: index.total, ...index.totals, decisions: index.recent(decisionMatcher(filter, eventSource), limit).map((e) => liveRow(e.decision)) };
  });

  app.get('/decisions/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const entry = index.get(id);
    if (!entry) return reply.code(404).type('text/plain; charset=utf-8').send(`decision ${id} is not among the ${index.kept} decisions this console keeps`);
    const inspection = entry.signature ?? deps.verifier.inspect(entry.decision);
    return sendHtml(reply, decisionPage(frame(req, `Decision ${id}`, 'decision'), entry.decision, inspection, deps.events?.get(entry.decision.eventId) ?? null, entry.receivedAt));
  });

  const identityData = async (req: FastifyRequest, id: string, flash: string | null, error: string | null): Promise<IdentityPageData> => {
    let profile: IdentityProfile | null = null;
    let profileError: string | null = null;
    try {
      profile = await withTimeout(deps.store.get(id));
    } catch (err) {
      profileError = (err as Error).message;
    }
    const inventory = deps.inventory();
    const stats = index.identity(id);
    return {
      id,
      record: inventory ? findRecord(inventory, id) : null,
      profile,
      derived: profile ? deriveProfile(profile, config.baseline) : null,
      profileError,
      stats,
      recent: stats ? index.recentOf(stats, RECENT_ON_IDENTITY_PAGE) : [],
      activeBlocks: blocks.activeFor(id, now()),
      blockHistory: blocks.recentHistory(20, id),
      canAct: who(req).role === 'operator',
      flash,
      error,
    };
  };

  app.get('/identities/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const done = str((req.query as Record<string, unknown>).done);
    return sendHtml(reply, identityPage(frame(req, id, 'identity'), await identityData(req, id, FLASH[done] ?? null, null)));
  });

  const operatorAction = (kind: 'block' | 'lift') => async (req: FastifyRequest, reply: FastifyReply) => {
    const { id } = req.params as { id: string };
    const principal = who(req);
    if (principal.role !== 'operator') return reply.code(403).type('text/plain; charset=utf-8').send(`${principal.name} has the read-only role and cannot ${kind}`);
    if (!csrfOk(req, reply)) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reason = str(body.reason);
    const token = str(body.token);
    const fail = async (message: string, code = 400): Promise<FastifyReply> => sendHtml(reply, identityPage(frame(req, id, 'identity'), await identityData(req, id, null, message)), code);
    if (reason === '' || reason.length > 500) return fail('Say why, in at most 500 characters.');
    let record: BlockRecord;
    try {
      if (kind === 'block') {
        const ttlText = str(body.ttl);
        const ttlMs = ttlText === '' ? config.blocks.ttlSeconds * 1000 : parseDuration(ttlText);
        const actions = str(body.actions).split(/[\s,]+/).filter(Boolean);
        record = operatorBlockRecord({ identity: id, ...(token ? { tokenId: token } : {}), reason, ttlMs, ...(actions.length > 0 ? { actions } : {}), operator: principal.name, nowMs: now() });
      } else {
        record = operatorLiftRecord({ identity: id, ...(token ? { tokenId: token } : {}), reason, operator: principal.name, nowMs: now() });
      }
    } catch (err) {
      return fail(err instanceof WardenError ? err.message : String(err));
    }
    try {
      const signed = await deps.publishBlock(record);
      logger.info({ operator: principal.name, identity: signed.identity, tokenId: signed.tokenId, state: signed.state, expiresAt: signed.expiresAt, reason: signed.reason }, `console ${kind}`);
    } catch (err) {
      logger.error({ err, operator: principal.name, identity: id }, `console ${kind} not published`);
      return fail(`The ${kind} record was not published: ${(err as Error).message}`, 502);
    }
    return reply.code(303).header('location', `/identities/${encodeURIComponent(id)}?done=${kind === 'block' ? 'blocked' : 'lifted'}`).send();
  };
  app.post('/identities/:id/block', operatorAction('block'));
  app.post('/identities/:id/lift', operatorAction('lift'));

  app.get('/fleet', async (req, reply) => {
    const data = await fleetData(index, deps.inventory(), deps.store, config.console.staleDays, now(), withTimeout);
    return sendHtml(reply, fleetPage(frame(req, 'Fleet', 'fleet'), data));
  });

  app.get('/blocks', async (req, reply) => {
    const t = now();
    const active = blocks.active(t);
    const horizon = t + config.console.expiringHours * 3_600_000;
    const expiring = active.filter((b) => b.expiresAt !== null && Date.parse(b.expiresAt) <= horizon).sort((a, b) => Date.parse(a.expiresAt ?? '') - Date.parse(b.expiresAt ?? ''));
    return sendHtml(reply, blocksPage(frame(req, 'Blocks', 'blocks'), active, expiring, config.console.expiringHours, blocks.recentHistory(200), blocks.rejectedCount));
  });

  app.get('/health', async (req, reply) => {
    let pipelineLag: LagRow[] | null = null;
    let pipelineLagError: string | null = null;
    try {
      pipelineLag = await withTimeout(deps.health.pipelineLag(), 5000);
    } catch (err) {
      pipelineLagError = `cannot read the pipeline group's offsets: ${(err as Error).message}`;
    }
    const storeReachable = await withTimeout(deps.health.storeReachable()).catch(() => false);
    const tp = (label: string, seconds: number) => ({ window: label, ...index.throughput(seconds) });
    const versions = (m: Map<string, { count: number; lastAt: number }>) => [...m.entries()].map(([version, v]) => ({ version, ...v })).sort((a, b) => b.lastAt - a.lastAt).slice(0, 10);
    return sendHtml(
      reply,
      healthPage(frame(req, 'Health', 'health'), {
        pipelineGroup: config.kafka.groupId,
        pipelineLag,
        pipelineLagError,
        consoleLag: deps.health.consoleLag(),
        consoleReady: deps.health.consoleReady(),
        throughput: [tp('last 10 s', 10), tp('last minute', 60), tp('last 5 minutes', 299)],
        degradedTotal: index.degradedTotal,
        lastDegradedAt: index.lastDegradedAt,
        total: index.total,
        kept: index.kept,
        malformedDecisions: deps.health.malformedDecisions(),
        rejectedBlocks: blocks.rejectedCount,
        eventsCached: deps.events?.size ?? 0,
        liveClients: deps.live.size,
        storeReachable,
        policyVersions: versions(index.policyVersions),
        modelVersions: versions(index.modelVersions),
      }),
    );
  });

  return app;
}
