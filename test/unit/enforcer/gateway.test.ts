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
  return r.action === 'DELETE /prod' ? { verdict: 'block', decisionId: 'inline-7', reason: 'risk 88: NEW_ACTION' } : { verdict: 'allow' };
};

let upstream: Server;
let plain: Gateway;
let withInline: Gateway;
let inlineClosed: Gateway;

beforeAll(async () => {
  upstream = createServer((req, res) => res.end(`ok ${req.method} ${req.url}`));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/base`;
  const make = (extra: object, decider?: InlineDecider): Promise<Gateway> => {
    const config = gatewaySchema.parse({ listen: { port: 0 }, upstream: upstreamUrl, ...extra });
    return startGateway({ config, checker, identifier: createIdentifier(config.identify, null), ...(decider ? { inline: decider } : {}) });
  };
  plain = await make({});
  withInline = await make({ inlineTimeoutMs: 100 }, inline);
  inlineClosed = await make({ inlineTimeoutMs: 100, failMode: 'closed' }, inline);
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
    expect(JSON.parse(denied.body)).toMatchObject({ decisionId: 'inline-7', reason: 'risk 88: NEW_ACTION' });
    expect((await call(withInline, '/v1/check/prod', 'svc-good', 'DELETE')).status).toBe(403);
  });

  it('inline mode: a slow or failing decider is bounded and follows failMode', async () => {
    expect((await call(withInline, '/x', 'svc-slow')).status).toBe(200);
    expect((await call(withInline, '/x', 'svc-broken')).status).toBe(200);
    const slow = await call(inlineClosed, '/x', 'svc-slow');
    expect(slow.status).toBe(403);
    expect(JSON.parse(slow.body).reason).toMatch(/longer than 100 ms/);
    expect((await call(inlineClosed, '/x', 'svc-broken')).status).toBe(403);
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
