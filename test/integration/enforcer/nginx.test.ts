/**
 * The real Debian nginx in front of a real upstream, with `auth_request` against the gateway's
 * `/v1/check`. nginx must be installed (`.ci/run` installs nginx-light); the test fails without it.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get as httpGet } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import { request } from 'undici';
import { gatewaySchema } from '../../../src/config/sections/gateway.js';
import { createEnforcer } from '../../../src/enforcer/enforcer.js';
import type { Enforcer } from '../../../src/enforcer/enforcer.js';
import { startGateway } from '../../../src/enforcer/gateway.js';
import type { Gateway } from '../../../src/enforcer/gateway.js';
import { createIdentifier } from '../../../src/enforcer/identify.js';
import { eventually, kafkaBrokers, testKafka, uniqueName } from '../helpers/services.js';
import { blockRecord, createBlocksTopic, newKeys, send } from './helpers.js';

function findNginx(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return found;
  throw new Error('nginx is not installed: this test needs the Debian nginx (apt-get install -y nginx-light), which .ci/run installs');
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function nginxConfig(dir: string, port: number, gatewayPort: number, upstreamPort: number): string {
  return `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    # The gateway's /v1/check needs both X-Original-* headers (400 without): keep in step with docs/enforcement.md.
    location = /_warden_check {
      internal;
      proxy_pass http://127.0.0.1:${gatewayPort}/v1/check;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }
    location / {
      auth_request /_warden_check;
      auth_request_set $warden_decision $upstream_http_x_warden_decision_id;
      add_header X-Warden-Decision-Id $warden_decision always;
      proxy_pass http://127.0.0.1:${upstreamPort};
    }
  }
}
`;
}

const dir = mkdtempSync(join(tmpdir(), 'warden-nginx-'));
const topic = uniqueName('blocks');
const keys = newKeys();
const kafka = testKafka();
let admin: Admin;
let producer: Producer;
let dropTopic: () => Promise<void>;
let upstream: Server;
let enforcer: Enforcer;
let gateway: Gateway;
let nginx: ChildProcess;
let nginxUrl: string;
let nginxOutput = '';

beforeAll(async () => {
  const nginxBin = findNginx();
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
  dropTopic = await createBlocksTopic(admin, topic);
  upstream = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello ${String(req.headers['x-warden-identity'])}`);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  enforcer = createEnforcer({ brokers: kafkaBrokers(), topic, publicKeys: [keys.pair.publicKeyPem], failMode: 'open' });
  await enforcer.ready(60_000);
  const config = gatewaySchema.parse({ listen: { port: 0 } });
  gateway = await startGateway({ config, checker: enforcer, identifier: createIdentifier(config.identify, null) });
  mkdirSync(join(dir, 'tmp'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, gateway.port, (upstream.address() as AddressInfo).port));
  nginx = spawn(nginxBin, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stdout?.on('data', (c: Buffer) => (nginxOutput += c.toString()));
  nginx.stderr?.on('data', (c: Buffer) => (nginxOutput += c.toString()));
  nginxUrl = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (nginx.exitCode !== null) throw new Error(`nginx exited ${nginx.exitCode}: ${nginxOutput}`);
      return request(nginxUrl, { headers: { 'x-warden-identity': 'probe' } }).then(async (r) => (await r.body.dump(), true), () => false);
    },
    20_000,
    'nginx to listen',
  );
});

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    nginx.kill('SIGQUIT');
    await new Promise((r) => nginx.once('exit', r));
  }
  await gateway?.close();
  await enforcer?.close();
  await new Promise((r) => upstream?.close(r));
  await producer?.disconnect();
  await dropTopic?.();
  await admin?.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

async function get(identity: string | null): Promise<{ status: number; body: string; decisionId: string | undefined }> {
  const res = await request(`${nginxUrl}/api/items`, { headers: identity ? { 'x-warden-identity': identity } : {} });
  return { status: res.statusCode, body: await res.body.text(), decisionId: res.headers['x-warden-decision-id'] as string | undefined };
}

/** GET with the target sent verbatim (undici would resolve dot segments before sending). */
function rawGet(target: string, identity: string, method = 'GET'): Promise<number> {
  const { port } = new URL(nginxUrl);
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port: Number(port), path: target, method, headers: { 'x-warden-identity': identity } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

describe('nginx auth_request against the gateway check endpoint', () => {
  it('proxies for an allowed identity, then returns 403 once a block decision for it arrives', async () => {
    expect(await get('svc-reporter')).toMatchObject({ status: 200, body: 'hello svc-reporter' });
    expect((await get('svc-ci')).status).toBe(200);
    expect((await get(null)).status).toBe(401);

    await send(producer, topic, [keys.signer.sign(blockRecord('svc-reporter', { decisionId: 'dec-42', reason: 'risk 91: NEW_ACTION, NEW_SOURCE_ASN' }))]);
    await eventually(async () => (await get('svc-reporter')).status === 403, 30_000, 'nginx to answer 403');
    const denied = await get('svc-reporter');
    expect(denied.status).toBe(403);
    expect(denied.decisionId).toBe('dec-42');
    expect((await get('svc-ci')).status).toBe(200);
  });

  it('checks the original method and the canonical form of the raw $request_uri nginx forwards', async () => {
    await send(producer, topic, [keys.signer.sign(blockRecord('svc-scoped', { actions: ['GET /admin/*'], reason: 'no admin reads' }))]);
    await eventually(async () => (await rawGet('/admin/x', 'svc-scoped')) === 403, 30_000, 'scoped block to apply');
    for (const spelling of ['/public/../admin/x', '/./admin/x', '/%61dmin/x', '/public/%2e%2e/admin/x', '/admin/x?a=/../']) {
      expect(await rawGet(spelling, 'svc-scoped'), spelling).toBe(403);
    }
    // Refused by the check with 400, which auth_request turns into 500: refused all the same.
    for (const spelling of ['/admin%2fx', '/public/..;/admin/x']) expect(await rawGet(spelling, 'svc-scoped'), spelling).toBe(500);
    expect(await rawGet('/admin/x', 'svc-scoped', 'POST')).toBe(200);
    expect(await rawGet('/public/x', 'svc-scoped')).toBe(200);
  });
});
