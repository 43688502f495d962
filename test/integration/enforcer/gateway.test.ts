import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Admin } from 'kafkajs';
import { request } from 'undici';
import { main } from '../../../src/cli/main.js';
import { gatewaySchema } from '../../../src/config/sections/gateway.js';
import { createEnforcer } from '../../../src/enforcer/enforcer.js';
import type { Enforcer } from '../../../src/enforcer/enforcer.js';
import { startGateway } from '../../../src/enforcer/gateway.js';
import type { Gateway } from '../../../src/enforcer/gateway.js';
import { createIdentifier, sha256Hex } from '../../../src/enforcer/identify.js';
import { generateKeyPair } from '../../../src/decisions/signing.js';
import { eventually, kafkaBrokers, testKafka, uniqueName } from '../helpers/services.js';
import { createBlocksTopic } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-gw-'));
const topic = uniqueName('blocks');
const kafka = testKafka();
let admin: Admin;
let dropTopic: () => Promise<void>;
let upstream: Server;
let upstreamUrl: string;
let enforcer: Enforcer;
let gateway: Gateway;
const configFile = join(dir, 'warden.yaml');
const upstreamSaw: Array<{ method: string; url: string; identity: string | undefined; body: string }> = [];

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await main(['node', 'warden', ...args, '-c', configFile]);
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  dropTopic = await createBlocksTopic(admin, topic);
  const pair = generateKeyPair();
  writeFileSync(join(dir, 'warden.key'), pair.privateKeyPem);
  writeFileSync(join(dir, 'warden.pub'), pair.publicKeyPem);
  writeFileSync(
    configFile,
    `kafka:\n  brokers: [${kafkaBrokers().map((b) => JSON.stringify(b)).join(', ')}]\n  topics: { blocks: ${topic} }\n` +
      `signing:\n  privateKeyFile: ${JSON.stringify(join(dir, 'warden.key'))}\n  publicKeyFile: ${JSON.stringify(join(dir, 'warden.pub'))}\nlogging: { level: silent }\n`,
  );
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      upstreamSaw.push({ method: req.method ?? '', url: req.url ?? '', identity: req.headers['x-warden-identity'] as string | undefined, body });
      res.writeHead(201, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
      res.end(`upstream got ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  enforcer = createEnforcer({ brokers: kafkaBrokers(), topic, publicKeys: [pair.publicKeyPem], failMode: 'open' });
  await enforcer.ready(60_000);
  const config = gatewaySchema.parse({ listen: { port: 0 }, upstream: upstreamUrl, identify: { mode: 'bearer' } });
  const identifier = createIdentifier(config.identify, new Map([[sha256Hex('secret-deployer-token'), { identity: 'svc-deployer', tokenId: 'tok-1' }]]));
  gateway = await startGateway({ config, checker: enforcer, identifier, isReady: () => enforcer.stats().ready });
});

afterAll(async () => {
  await gateway?.close();
  await enforcer?.close();
  await new Promise((r) => upstream?.close(r));
  await dropTopic?.();
  await admin?.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: 'Bearer secret-deployer-token' };

describe('warden gateway in front of a real upstream, blocks through the real broker', () => {
  it('forwards allowed requests with their body and the established identity, and returns the upstream answer', async () => {
    const res = await request(`${gateway.url}/deploy?env=prod`, { method: 'POST', headers: { ...auth, 'x-warden-identity': 'spoofed' }, body: 'artifact=app.tgz' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-upstream']).toBe('yes');
    expect(await res.body.text()).toBe('upstream got POST /deploy?env=prod');
    expect(upstreamSaw.at(-1)).toEqual({ method: 'POST', url: '/deploy?env=prod', identity: 'svc-deployer', body: 'artifact=app.tgz' });
  });

  it('answers 401 for a caller it cannot identify, without reaching the upstream', async () => {
    const before = upstreamSaw.length;
    const res = await request(`${gateway.url}/deploy`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.statusCode).toBe(401);
    expect(await res.body.json()).toMatchObject({ error: 'unidentified' });
    expect(upstreamSaw.length).toBe(before);
  });

  it('turns into 403 with the reason after `warden block`, lists it, and forwards again after `warden unblock`', async () => {
    const blocked = await cli('block', 'svc-deployer', '--reason', 'credential leaked in CI log', '--ttl', '2h', '--operator', 'alice');
    expect(blocked.code).toBe(0);
    expect(blocked.out).toMatch(/blocked svc-deployer until .*: credential leaked in CI log/);
    await eventually(async () => (await request(`${gateway.url}/deploy`, { headers: auth }).then(async (r) => (await r.body.dump(), r.statusCode))) === 403, 30_000, '403');
    const before = upstreamSaw.length;
    const res = await request(`${gateway.url}/deploy`, { method: 'POST', headers: auth, body: 'x' });
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-warden-decision']).toBe('block');
    expect(await res.body.json()).toMatchObject({ error: 'blocked', identity: 'svc-deployer', reason: 'credential leaked in CI log', decisionId: null });
    expect(upstreamSaw.length).toBe(before);

    const check = await request(`${gateway.url}/v1/check`, { headers: { ...auth, 'x-original-uri': '/deploy', 'x-original-method': 'POST' } });
    expect(check.statusCode).toBe(403);
    await check.body.dump();

    const listed = await cli('blocks', 'list', '--json');
    const rows = listed.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { identity: string; reason: string; source: string; expiresAt: string });
    expect(rows).toEqual([expect.objectContaining({ identity: 'svc-deployer', reason: 'credential leaked in CI log', source: 'operator:alice' })]);
    expect(Date.parse(rows[0]?.expiresAt ?? '') - Date.now()).toBeGreaterThan(7_000_000);

    expect((await cli('unblock', 'svc-deployer', '--operator', 'alice')).code).toBe(0);
    await eventually(async () => (await request(`${gateway.url}/deploy`, { headers: auth }).then(async (r) => (await r.body.dump(), r.statusCode))) === 201, 30_000, 'forwarded again');
    expect((await cli('blocks', 'list')).out).toBe('no active blocks');
  });

  it('serves its own health and metrics under /_warden/', async () => {
    const ready = await request(`${gateway.url}/_warden/readyz`);
    expect(ready.statusCode).toBe(200);
    await ready.body.dump();
    const metrics = await (await request(`${gateway.url}/_warden/metrics`)).body.text();
    expect(metrics).toMatch(/warden_gateway_requests_total\{outcome="blocked"\} [1-9]/);
  });
});
