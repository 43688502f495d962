/** The gateway over loopback with an in-memory block table: check endpoint shapes and inline mode. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { gatewaySchema } from '../../../src/config/sections/gateway.js';
import { BlockTable } from '../../../src/enforcer/block-table.js';
import { startGateway } from '../../../src/enforcer/gateway.js';
import type { Gateway } from '../../../src/enforcer/gateway.js';
import type { BlockChecker } from '../../../src/enforcer/gateway-decide.js';
import { createIdentifier } from '../../../src/enforcer/identify.js';
import type { InlineDecider } from '../../../src/enforcer/inline.js';

const table = new BlockTable();
const now = Date.now();
table.apply({ identity: 'svc-bad', state: 'block', reason: 'risk 91: NEW_ACTION', decisionId: 'dec-1', source: 'warden', createdAt: new Date(now).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString() }, now);
table.apply({ identity: 'svc-iam', state: 'block', actions: ['POST /iam/*'], reason: 'no IAM writes', decisionId: null, source: 'operator:a', createdAt: new Date(now).toISOString(), expiresAt: null }, now);
const checker: BlockChecker = {
  check: (identity, tokenId, action) => {
    const v = table.check(identity, tokenId, action, Date.now());
    return v.block ? { allowed: false, reason: v.block.reason, decisionId: v.block.decisionId, expiresAt: v.block.expiresAt } : { allowed: true };
  },
};
const inline: InlineDecider = async (r) => {
  if (r.identity === 'svc-slow') await new Promise((res) => setTimeout(res, 500));
  if (r.identity === 'svc-broken') throw new Error('model not loaded');
  if (r.identity === 'svc-odd') return { verdict: 'alert', decisionId: 'inline-8', eventId: 'gw:1', reason: 'risk 60: NEW_ACTION', reasons: [{ code: 'NEW_ACTION', detail: 'first use', weight: 40 }, { code: 'NEW_SOURCE_IP', detail: 'new ip', weight: 20 }] };
  if (r.identity === 'svc-nobase') return { verdict: 'allow', decisionId: 'inline-9', eventId: 'gw:2', reasons: [{ code: 'STORE_UNAVAILABLE', detail: 'down', weight: 0 }], degraded: 'baselines unavailable: connect ECONNREFUSED' };
  return r.action === 'DELETE /prod' ? { verdict: 'block', decisionId: 'inline-7', reason: 'risk 88: NEW_ACTION', reasons: [{ code: 'NEW_ACTION', detail: 'first use of DELETE /prod', weight: 88 }], score: 88, eventId: 'gw:3' } : { verdict: 'allow' };
};

let upstream: Server;
const seen: Array<{ decision: string | undefined; degraded: string | undefined }> = [];
let plain: Gateway;
let withInline: Gateway;
let inlineClosed: Gateway;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push({ decision: req.headers['x-warden-decision'] as string | undefined, degraded: req.headers['x-warden-degraded'] as string | undefined });
    res.end(`ok ${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/base`;
  const make = (extra: object, decider?: InlineDecider): Promise<Gateway> => {
    const config = gatewaySchema.parse({ listen: { port: 0 }, upstream: upstreamUrl, ...extra });
    return startGateway({ config, checker, identifier: createIdentifier(config.identify, null), ...(decider ? { inline: decider } : {}) });
  };
  plain = await make({});
  withInline = await make({ inline: { timeoutMs: 100 } }, inline);
  inlineClosed = await make({ inline: { timeoutMs: 100, failMode: 'closed' } }, inline);
});

afterAll(async () => {
  await Promise.all([plain.close(), withInline.close(), inlineClosed.close()]);
  await new Promise((r) => upstream.close(r));
});

async function call(gw: Gateway, path: string, identity: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const res = await request(gw.url + path, { method: method as 'GET', headers: { 'x-warden-identity': identity, ...headers } });
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
}

describe('gateway check endpoint', () => {
  it('answers nginx auth_request from X-Original-* headers with decision headers', async () => {
    const ok = await call(plain, '/v1/check', 'svc-good', 'GET', { 'x-original-uri': '/iam/users', 'x-original-method': 'POST' });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-warden-decision']).toBe('allow');
    const denied = await call(plain, '/v1/check', 'svc-bad', 'GET', { 'x-original-uri': '/anything', 'x-original-method': 'GET' });
    expect(denied.status).toBe(403);
    expect(denied.headers).toMatchObject({ 'x-warden-decision': 'block', 'x-warden-decision-id': 'dec-1', 'x-warden-reason': 'risk 91: NEW_ACTION' });
  });

  it('answers Envoy ext_authz: original method and path appended to the check path', async () => {
    expect((await call(plain, '/v1/check/iam/users', 'svc-iam', 'POST')).status).toBe(403);
    expect((await call(plain, '/v1/check/iam/users', 'svc-iam', 'GET')).status).toBe(200);
    expect((await call(plain, '/v1/check/s3/x', 'svc-iam', 'POST')).status).toBe(200);
  });
});

describe('gateway proxy', () => {
  it('forwards under the upstream base path and blocks only the scoped actions', async () => {
    expect(await call(plain, '/items?x=1', 'svc-iam')).toMatchObject({ status: 200, body: 'ok GET /base/items?x=1' });
    const denied = await call(plain, '/iam/keys', 'svc-iam', 'POST');
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({ error: 'blocked', identity: 'svc-iam', reason: 'no IAM writes', decisionId: null, expiresAt: null });
  });

  it('inline mode: the decider blocks a request the table allows, with its decision id', async () => {
    expect((await call(withInline, '/prod', 'svc-good', 'GET')).status).toBe(200);
    const denied = await call(withInline, '/prod', 'svc-good', 'DELETE');
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({ decisionId: 'inline-7', reason: 'risk 88: NEW_ACTION', eventId: 'gw:3', score: 88, reasons: [{ code: 'NEW_ACTION', detail: 'first use of DELETE /prod', weight: 88 }] });
    expect(denied.headers).toMatchObject({ 'x-warden-decision': 'block', 'x-warden-reason-codes': 'NEW_ACTION', 'x-warden-event-id': 'gw:3' });
    expect((await call(withInline, '/v1/check/prod', 'svc-good', 'DELETE')).status).toBe(403);
  });

  it('inline mode: an alert is forwarded with its marks, which a client cannot forge', async () => {
    const alerted = await call(withInline, '/echo', 'svc-odd', 'GET', { 'x-warden-decision': 'allow' });
    expect(alerted.status).toBe(200);
    expect(alerted.headers).toMatchObject({ 'x-warden-decision': 'alert', 'x-warden-decision-id': 'inline-8', 'x-warden-reason-codes': 'NEW_ACTION,NEW_SOURCE_IP', 'x-warden-event-id': 'gw:1' });
    const check = await call(withInline, '/v1/check/echo', 'svc-odd', 'GET');
    expect(check.status).toBe(200);
    expect(check.headers).toMatchObject({ 'x-warden-decision': 'alert', 'x-warden-reason-codes': 'NEW_ACTION,NEW_SOURCE_IP' });
    // A plain allow carries no alert mark, even when the client sends one.
    const plainAllow = await call(withInline, '/echo', 'svc-good', 'GET', { 'x-warden-decision': 'alert', 'x-warden-degraded': 'yes' });
    expect(plainAllow.headers['x-warden-decision']).toBeUndefined();
    expect(plainAllow.headers['x-warden-degraded']).toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ decision: undefined, degraded: undefined });
  });

  it('inline mode: a decision without baselines is forwarded marked degraded (open) or answered 503 (closed)', async () => {
    const open = await call(withInline, '/echo', 'svc-nobase');
    expect(open.status).toBe(200);
    expect(open.headers['x-warden-degraded']).toBe('baselines unavailable: connect ECONNREFUSED');
    expect(seen.at(-1)?.degraded).toBe('baselines unavailable: connect ECONNREFUSED');
    const closed = await call(inlineClosed, '/echo', 'svc-nobase');
    expect(closed.status).toBe(503);
    expect(JSON.parse(closed.body)).toMatchObject({ error: 'decision_unavailable', reason: 'baselines unavailable: connect ECONNREFUSED', decisionId: 'inline-9' });
    expect(closed.headers['x-warden-decision']).toBe('unavailable');
  });

  it('inline mode: a slow or failing decider is bounded and follows failMode', async () => {
    expect((await call(withInline, '/x', 'svc-slow')).status).toBe(200);
    expect((await call(withInline, '/x', 'svc-broken')).status).toBe(200);
    expect((await call(withInline, '/x', 'svc-slow')).headers['x-warden-degraded']).toMatch(/longer than 100 ms/);
    const slow = await call(inlineClosed, '/x', 'svc-slow');
    expect(slow.status).toBe(503);
    expect(JSON.parse(slow.body)).toMatchObject({ error: 'decision_unavailable', reason: expect.stringMatching(/longer than 100 ms/) as unknown });
    expect((await call(inlineClosed, '/x', 'svc-broken')).status).toBe(503);
  });

  it('answers 502 when the upstream is down', async () => {
    const config = gatewaySchema.parse({ listen: { port: 0 }, upstream: 'http://127.0.0.1:1' });
    const gw = await startGateway({ config, checker, identifier: createIdentifier(config.identify, null) });
    try {
      expect((await call(gw, '/x', 'svc-good')).status).toBe(502);
    } finally {
      await gw.close();
    }
  });
});

describe('gateway inline config', () => {
  it('refuses to start with gateway.inline.enabled and no decider to call', async () => {
    const config = gatewaySchema.parse({ listen: { port: 0 }, inline: { enabled: true } });
    await expect(startGateway({ config, checker, identifier: createIdentifier(config.identify, null) })).rejects.toMatchObject({ code: 'WARDEN_USAGE', message: expect.stringContaining('--inline') as unknown });
  });
});
