/**
 * The operator console in a real browser (Debian's Chromium through playwright-core), against the
 * real broker and Redis: the pipeline runs in process (the same stages as `warden run`), the
 * console and an enforcing gateway read the same topics. What an operator would notice: pages
 * load behind auth, a decision appears live, markup in event fields stays text, blocking from the
 * identity page makes the gateway answer 403.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { WardenConfig } from '../../src/config/schema.js';
import { gatewaySchema } from '../../src/config/sections/gateway.js';
import { startConsole } from '../../src/console/start.js';
import type { RunningConsole } from '../../src/console/start.js';
import { createEnforcer } from '../../src/enforcer/enforcer.js';
import type { Enforcer } from '../../src/enforcer/enforcer.js';
import { startGateway } from '../../src/enforcer/gateway.js';
import { createIdentifier } from '../../src/enforcer/identify.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startWardenApp } from '../../src/pipeline/app.js';
import type { WardenApp } from '../../src/pipeline/app.js';
import { buildStages } from '../../src/pipeline/stages.js';
import { createTopics, deleteKeys, eventually, testKafka, testRedis } from '../integration/helpers/services.js';
import { wardenSetup } from '../integration/helpers/warden-process.js';
import type { WardenTestSetup } from '../integration/helpers/warden-process.js';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOKEN = 'console-test-token-0123456789abcdef';
const READ_ONLY_TOKEN = 'console-read-only-token-0123456789';
const IDENTITY = 'svc-ci-deployer';
const HOSTILE_ID = 'svc-<img src=x onerror=window.__pwned=1>';
const HOSTILE_UA = '<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3">';

const INVENTORY = stringify({
  identities: [
    { id: IDENTITY, owner: 'team-platform', class: 'ci-deployer', type: 'service_account', tokens: ['AKIACIDEPLOYER00001'], description: 'deploys the web app from CI' },
    { id: 'svc-legacy-report', owner: 'team-data', verified: false },
  ],
});

/** Two weeks of a CI deployer's ordinary work (weekday office hours), then a few odd calls. */
function history(now: number): object[] {
  const events: object[] = [];
  const start = now - 14 * 86_400_000;
  let i = 0;
  for (let day = 0; day < 14; day++) {
    const base = start + day * 86_400_000;
    const weekday = new Date(base).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    for (let k = 0; k < 24; k++) {
      const hour = 8 + (k % 9);
      const t = Math.floor(base / 86_400_000) * 86_400_000 + hour * 3_600_000 + k * 60_000;
      const action = ['s3:PutObject', 'ecs:UpdateService', 'ecr:PutImage', 's3:GetObject'][k % 4]!;
      events.push({ id: `h-${i++}`, time: new Date(t).toISOString(), identity: { id: IDENTITY, type: 'service_account', tokenId: 'AKIACIDEPLOYER00001' }, action, resource: `arn:aws:s3:::prod-artifacts/app-${k % 3}.tgz`, outcome: 'success', source: { ip: `10.1.2.${10 + (k % 5)}`, userAgent: 'terraform/1.9.5', region: 'eu-west-1', workload: 'ci-runner' }, environment: 'prod', bytes: 40_000 + 1000 * (k % 7) });
    }
  }
  const odd = now - 3_600_000;
  for (let k = 0; k < 3; k++) {
    events.push({ id: `odd-${k}`, time: new Date(odd + k * 60_000).toISOString(), identity: { id: IDENTITY, type: 'service_account', tokenId: 'AKIACIDEPLOYER00001' }, action: ['iam:ListUsers', 'iam:CreateAccessKey', 'secretsmanager:GetSecretValue'][k]!, outcome: 'success', source: { ip: '203.0.113.66', userAgent: 'python-requests/2.31', region: 'us-east-1', country: 'NL' }, environment: 'prod' });
  }
  return events;
}

let setup: WardenTestSetup;
let config: WardenConfig;
let admin: Admin;
let producer: Producer;
let dropTopics: () => Promise<void>;
let pipeline: WardenApp;
let consoleApp: RunningConsole;
let enforcer: Enforcer;
let gateway: { url: string; close: () => Promise<void> };
let browser: Browser;
let operator: BrowserContext;

async function produce(events: object[]): Promise<void> {
  await producer.send({ topic: setup.topics.input, messages: events.map((e) => ({ key: (e as { identity: { id: string } }).identity.id, value: JSON.stringify(e) })) });
}

async function gatewayStatus(identity: string): Promise<number> {
  const res = await fetch(`${gateway.url}/v1/check`, { headers: { 'x-warden-identity': identity, 'x-original-uri': '/deploy', 'x-original-method': 'POST' } });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  setup = wardenSetup({ pipeline: { maxBatchSize: 200, http: { host: '127.0.0.1', port: 0 } } }, { 'identities.yaml': INVENTORY, 'console-tokens.yaml': stringify({ tokens: [{ name: 'rita', role: 'read-only', token: READ_ONLY_TOKEN }] }) });
  mkdirSync(join(setup.dir, 'policies'));
  const raw = parse(readFileSync(setup.configFile, 'utf8')) as Record<string, unknown>;
  raw.identity = { inventory: join(setup.dir, 'identities.yaml') };
  raw.policy = { dir: join(setup.dir, 'policies') };
  raw.console = { tokenFile: join(setup.dir, 'console-tokens.yaml'), envToken: { name: 'olga', role: 'operator' }, liveMaxPerSecond: 500 };
  writeFileSync(setup.configFile, stringify(raw));
  config = parseConfig(readFileSync(setup.configFile, 'utf8'), setup.configFile);
  const kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  dropTopics = await createTopics(admin, Object.values(setup.topics), 1);
  producer = kafka.producer();
  await producer.connect();

  pipeline = await startWardenApp(config, silentLogger, await buildStages(config, silentLogger));
  consoleApp = await startConsole(config, silentLogger, { listen: { host: '127.0.0.1', port: 0 }, env: { WARDEN_CONSOLE_TOKEN: TOKEN } });
  enforcer = createEnforcer({ kafka, topic: setup.topics.blocks, publicKeys: [setup.publicKeyPem], failMode: 'open' });
  await enforcer.ready(60_000);
  const gw = gatewaySchema.parse({ listen: { port: 0 }, identify: { mode: 'header' } });
  gateway = await startGateway({ config: gw, checker: enforcer, identifier: createIdentifier(gw.identify, null), isReady: () => enforcer.stats().ready, enforcerStats: () => enforcer.stats() });

  await produce(history(Date.now()));
  await eventually(() => (consoleApp.index.identity(IDENTITY)?.total ?? 0) >= 200, 90_000, 'the history decided and read by the console');

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  operator = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` }, viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await enforcer?.close();
  await consoleApp?.close();
  await pipeline?.stop();
  await producer?.disconnect();
  await dropTopics?.();
  await admin?.disconnect();
  if (setup) {
    const redis = testRedis();
    await deleteKeys(redis, setup.keyPrefix);
    redis.disconnect();
  }
});

async function lift(page: Page, reason: string): Promise<void> {
  await page.goto(`${consoleApp.url}/identities/${IDENTITY}`);
  await page.fill('#lift-form input[name=reason]', reason);
  await Promise.all([page.waitForURL(/done=lifted/), page.click('#lift-form button')]);
  await eventually(async () => (await gatewayStatus(IDENTITY)) === 200, 30_000, 'the gateway to allow again');
}

/** Fails the test if the page ever opens a dialog or runs injected script. */
function watchForScript(page: Page): string[] {
  const seen: string[] = [];
  page.on('dialog', (d) => {
    seen.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return seen;
}

describe('warden console in Chromium', () => {
  it('refuses unauthenticated requests: 401 for the API and the stream, the login page for pages', async () => {
    for (const path of ['/api/decisions', '/live/stream', `/identities/${IDENTITY}`]) {
      const res = await fetch(`${consoleApp.url}${path}`, { headers: { accept: 'application/json' } });
      expect(res.status, path).toBe(401);
      await res.arrayBuffer();
    }
    const wrong = await fetch(`${consoleApp.url}/api/decisions`, { headers: { authorization: 'Bearer not-the-token-at-all-000000' } });
    expect(wrong.status).toBe(401);
    const noCsrf = await fetch(`${consoleApp.url}/identities/${IDENTITY}/block`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=x&ttl=1h' });
    expect(noCsrf.status).toBe(403);

    const anonymous = await browser.newContext();
    const page = await anonymous.newPage();
    const res = await page.goto(`${consoleApp.url}/fleet`);
    expect(res?.status()).toBe(401);
    await expect(page.locator('input[name=token]').count()).resolves.toBe(1);
    await expect(page.locator('h1').first().textContent()).resolves.toBe('Warden console');
    // Signing in with the token sets a Secure, HttpOnly, SameSite=Strict session cookie and returns to the page asked for.
    await page.fill('input[name=token]', TOKEN);
    await Promise.all([page.waitForURL(/\/fleet$/), page.click('button[type=submit]')]);
    await expect(page.locator('h1').first().textContent()).resolves.toBe('Fleet');
    const [cookie] = await anonymous.cookies();
    expect(cookie).toMatchObject({ name: 'warden_console', httpOnly: true, secure: true, sameSite: 'Strict' });
    await anonymous.close();
  });

  it('loads every page behind the token', async () => {
    const page = await operator.newPage();
    for (const [path, heading] of [['/', 'Live decisions'], ['/fleet', 'Fleet'], ['/blocks', 'Blocks'], ['/health', 'Health']] as const) {
      const res = await page.goto(`${consoleApp.url}${path}`);
      expect(res?.status(), path).toBe(200);
      expect(await page.locator('h1').first().textContent(), path).toContain(heading);
    }
    expect(await page.locator('#pipeline-lag tr').count()).toBeGreaterThan(1);
    await page.goto(`${consoleApp.url}/fleet`);
    expect(await page.locator('text=svc-legacy-report').count()).toBeGreaterThan(0);
    await page.close();
  });

  it('shows a decision produced after the live page opened, with markup in its fields as text', async () => {
    const page = await operator.newPage();
    const scripts = watchForScript(page);
    await page.goto(`${consoleApp.url}/`);
    await page.waitForSelector('#live-status:text("live")');
    const id = `xss-${Date.now()}`;
    await produce([{ id, time: new Date().toISOString(), identity: { id: HOSTILE_ID }, action: 's3:ListBuckets', outcome: 'success', source: { ip: '198.51.100.7', userAgent: HOSTILE_UA } }]);
    const row = page.locator('#live-rows tr', { hasText: 'svc-<img' });
    await row.first().waitFor({ timeout: 60_000 });
    expect(await row.first().locator('td').nth(3).textContent()).toBe(HOSTILE_ID);
    expect(await page.locator('#live-rows img').count()).toBe(0);

    // The decision page shows the event, user agent included, as text; its signature verifies.
    await Promise.all([page.waitForURL(/\/decisions\//), row.first().locator('a', { hasText: 'details' }).click()]);
    expect(await page.locator('#event-json').textContent()).toContain(HOSTILE_UA.replace(/"/g, '\\"'));
    expect(await page.locator('#signature-status').getAttribute('data-status')).toBe('valid');
    expect(await page.locator('main img, main script').count()).toBe(0);
    await page.goto(`${consoleApp.url}/identities/${encodeURIComponent(HOSTILE_ID)}`);
    expect(await page.locator('#identity-id').textContent()).toBe(HOSTILE_ID);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
    expect(scripts).toEqual([]);
    await page.close();
  });

  it('draws the identity page with its plots (screenshot for the README)', async () => {
    const page = await operator.newPage();
    await page.goto(`${consoleApp.url}/identities/${IDENTITY}`);
    expect(await page.locator('#identity-owner').textContent()).toContain('team-platform');
    expect(await page.locator('svg.heatmap rect.heat').count()).toBe(168);
    expect(await page.locator('svg.bars rect.bar').count()).toBeGreaterThan(5);
    expect(await page.locator('svg[aria-label^="bytes per hour"] rect.bar').count()).toBeGreaterThan(5);
    expect(await page.locator('[data-dimension=ua]').textContent()).toContain('terraform');
    mkdirSync('docs/img', { recursive: true });
    // The README's screenshot is rewritten only when asked (UPDATE_DOCS=1), so a test run leaves the tree clean.
    const shot = await page.screenshot({ fullPage: true, ...(process.env.UPDATE_DOCS === '1' ? { path: 'docs/img/console-identity.png' } : {}) });
    expect(shot.length).toBeGreaterThan(10_000);
    await page.close();
  });

  it('blocks from the identity page (the gateway answers 403) and lifts again, as the operator who signed in', async () => {
    const page = await operator.newPage();
    // The odd calls of the history got the identity blocked by the pipeline itself: lift that first.
    expect(enforcer.list().find((b) => b.identity === IDENTITY)).toMatchObject({ source: 'warden' });
    await lift(page, 'investigated: the odd calls were a drill');
    await page.goto(`${consoleApp.url}/identities/${IDENTITY}`);
    await page.fill('#block-form input[name=reason]', 'token seen in a public CI log');
    await page.fill('#block-form input[name=ttl]', '30m');
    await Promise.all([page.waitForURL(/done=blocked/), page.click('#block-form button')]);
    await eventually(async () => (await gatewayStatus(IDENTITY)) === 403, 30_000, 'the gateway to block');
    const block = enforcer.list().find((b) => b.identity === IDENTITY);
    expect(block).toMatchObject({ reason: 'token seen in a public CI log', source: 'operator:olga' });
    expect(Date.parse(block?.expiresAt ?? '') - Date.now()).toBeGreaterThan(25 * 60_000);
    await page.goto(`${consoleApp.url}/blocks`);
    await page.waitForSelector('#active-blocks');
    expect(await page.locator('#active-blocks').textContent()).toContain('operator:olga');

    await lift(page, 'token rotated');
    await page.close();
  });

  it('gives the read-only role no block form and refuses its POSTs', async () => {
    const viewer = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${READ_ONLY_TOKEN}` } });
    const page = await viewer.newPage();
    await page.goto(`${consoleApp.url}/identities/${IDENTITY}`);
    expect(await page.locator('#block-form').count()).toBe(0);
    expect(await page.locator('header .who').textContent()).toContain('rita · read-only');
    const res = await fetch(`${consoleApp.url}/identities/${IDENTITY}/block`, { method: 'POST', headers: { authorization: `Bearer ${READ_ONLY_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=x' });
    expect(res.status).toBe(403);
    await viewer.close();
  });
});
