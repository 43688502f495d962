/** mTLS identification over loopback HTTPS with fixture certificates (test/fixtures/tls). */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { gatewaySchema } from '../../../src/config/sections/gateway.js';
import { BlockTable } from '../../../src/enforcer/block-table.js';
import { startGateway } from '../../../src/enforcer/gateway.js';
import type { Gateway } from '../../../src/enforcer/gateway.js';
import { createIdentifier } from '../../../src/enforcer/identify.js';

const tls = (name: string): string => readFileSync(`test/fixtures/tls/${name}`, 'utf8');
const table = new BlockTable();
let upstream: Server;
let gateway: Gateway;
let seenIdentity: string | undefined;

function client(cert: string, key: string): Agent {
  return new Agent({ connect: { ca: tls('ca.crt'), cert, key } });
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seenIdentity = req.headers['x-warden-identity'] as string | undefined;
    res.end('ok');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const config = gatewaySchema.parse({
    listen: { port: 0 },
    upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    identify: { mode: 'mtls' },
    tls: { certFile: 'server.crt', keyFile: 'server.key', caFile: 'ca.crt', requestClientCert: true },
  });
  gateway = await startGateway({
    config,
    checker: { check: (identity, tokenId, action) => (table.check(identity, tokenId, action, Date.now()).block ? { allowed: false, reason: 'blocked' } : { allowed: true }) },
    identifier: createIdentifier(config.identify, null),
    tls: { cert: tls('server.crt'), key: tls('server.key'), ca: tls('ca.crt'), requestClientCert: true },
  });
});

afterAll(async () => {
  await gateway.close();
  await new Promise((r) => upstream.close(r));
});

describe('gateway with mTLS identification', () => {
  it('names the caller by the CN of a certificate the CA signed, and blocks it by that name', async () => {
    const dispatcher = client(tls('client.crt'), tls('client.key'));
    const url = gateway.url;
    const ok = await request(`${url}/items`, { dispatcher });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    expect(seenIdentity).toBe('svc-deployer');

    const now = Date.now();
    table.apply({ identity: 'svc-deployer', state: 'block', reason: 'r', decisionId: null, source: 'operator:t', createdAt: new Date(now).toISOString(), expiresAt: null }, now);
    const denied = await request(`${url}/items`, { dispatcher });
    expect(denied.statusCode).toBe(403);
    expect(await denied.body.json()).toMatchObject({ identity: 'svc-deployer' });
    await dispatcher.close();
  });

  it('does not believe a self-signed certificate with the same CN', async () => {
    const dispatcher = client(tls('rogue.crt'), tls('rogue.key'));
    const res = await request(`${gateway.url}/items`, { dispatcher });
    expect(res.statusCode).toBe(401);
    await res.body.dump();
    await dispatcher.close();
  });
});
