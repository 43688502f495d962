/**
 * The notifier against a local HTTP receiver: Slack and webhook delivery, the receiver's signature
 * check, routing, dedup with the suppressed count in the next message, retries (Retry-After) then
 * success, dead letters after N failures, and secrets kept out of logs and dead letters.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeadLetterSink } from '../../../src/notify/dead-letters.js';
import type { NotifyDeadLetter } from '../../../src/notify/dead-letters.js';
import { createSinkMetrics } from '../../../src/notify/metrics.js';
import { Notifier } from '../../../src/notify/notifier.js';
import { resolveTargets } from '../../../src/notify/targets.js';
import { verifyWebhook } from '../../../src/notify/webhook.js';
import { configOf, decision, startReceiver } from './receiver.js';
import type { Receiver } from './receiver.js';

const SECRET = 'hmac-secret-7f3a';
const SLACK_TOKEN_PATH = '/services/T000/B000/slack-token-9c2e';

let receiver: Receiver;
let dir: string;
let logs: string;

beforeEach(async () => {
  receiver = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), 'warden-notify-'));
  logs = '';
});
afterEach(async () => {
  await receiver.close();
});

function setup(notify: object = {}, env: NodeJS.ProcessEnv = {}) {
  const config = configOf({
    console: { url: 'https://warden.example.com/' },
    notify: {
      targets: {
        'platform-slack': { type: 'slack', url: { env: 'SLACK_URL' } },
        soc: { type: 'webhook', url: `${receiver.url}/soc`, secret: { env: 'SOC_SECRET' }, headers: { 'X-Tenant': 'acme' } },
      },
      routes: [
        { match: { owner: 'team-platform' }, targets: ['platform-slack'] },
        { match: { verdict: 'block' }, targets: ['soc'] },
      ],
      retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 50, timeoutMs: 2000 },
      deadLetter: { file: join(dir, 'dead', 'notify.ndjson') },
      ...notify,
    },
  });
  const metrics = createSinkMetrics({ defaultMetrics: false });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  const notifier = new Notifier({
    config: config.notify,
    consoleUrl: config.console.url,
    targets: resolveTargets(config.notify, { SLACK_URL: `${receiver.url}${SLACK_TOKEN_PATH}`, SOC_SECRET: SECRET, ...env }),
    deadLetters: createDeadLetterSink({ file: config.notify.deadLetter.file, topic: null }),
    metrics,
    logger: pino({ level: 'debug' }, sink),
  });
  return { notifier, metrics, deadFile: config.notify.deadLetter.file! };
}

const count = async (metrics: ReturnType<typeof createSinkMetrics>, name: string): Promise<number> => {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((s, v) => s + v.value, 0);
};

describe('Notifier', () => {
  it('posts a Slack Block Kit message and a signed webhook, each routed, with console links', async () => {
    const { notifier, metrics } = setup();
    await notifier.notify([decision()]);
    expect(receiver.requests.map((r) => r.path).sort()).toEqual([SLACK_TOKEN_PATH, '/soc'].sort());

    const slack = JSON.parse(receiver.requests.find((r) => r.path === SLACK_TOKEN_PATH)!.body) as { text: string; blocks: Array<Record<string, unknown>> };
    expect(slack.text).toBe('BLOCK svc-deployer iam:CreateAccessKey (risk 91, owner team-platform)');
    const text = JSON.stringify(slack.blocks);
    for (const part of ['svc-deployer', '91/100', 'team-platform', 'NEW_ACTION', 'NEW_SOURCE_ASN', 'UNUSUAL_HOUR']) expect(text).toContain(part);
    expect(text).not.toContain('RARE_SEQUENCE'); // topReasons: 3, heaviest first
    expect(text).toContain('https://warden.example.com/decisions/d-1');
    expect(text).toContain('https://warden.example.com/identities/svc-deployer');

    const hook = receiver.requests.find((r) => r.path === '/soc')!;
    expect(hook.headers['x-tenant']).toBe('acme');
    expect(hook.headers['x-warden-delivery']).toBe('d-1.soc');
    expect(verifyWebhook(hook.body, hook.headers, SECRET)).toEqual({ ok: true, deliveryId: 'd-1.soc' });
    expect(verifyWebhook(hook.body, hook.headers, 'another-secret')).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyWebhook(hook.body.replace('svc-deployer', 'svc-attacker'), hook.headers, SECRET)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyWebhook(hook.body, hook.headers, SECRET, { nowMs: Date.now() + 10 * 60_000 })).toEqual({ ok: false, reason: 'stale-timestamp' });
    const body = JSON.parse(hook.body) as { type: string; decision: { sig: string }; summary: { topReasons: unknown[]; links: { decision: string } } };
    expect(body.type).toBe('warden.decision.block');
    expect(body.decision.sig).toBe('ed25519:0123456789abcdef:AAAA');
    expect(body.summary.topReasons).toHaveLength(3);
    expect(await count(metrics, 'warden_notify_sent_total')).toBe(2);
  });

  it('sends nothing for allows or decisions no route matches', async () => {
    const { notifier } = setup();
    await notifier.notify([decision({ verdict: 'allow' }), decision({ verdict: 'alert', owner: 'team-data' })]);
    expect(receiver.requests).toHaveLength(0);
  });

  it('suppresses repeats of an identity and reason, and says how many in the next message', async () => {
    const { notifier, metrics } = setup({ dedupWindowSeconds: 600 });
    const at = (minute: number) => new Date(Date.parse('2026-11-20T02:00:00Z') + minute * 60_000).toISOString();
    await notifier.notify([1, 2, 3, 4].map((m) => decision({ decisionId: `d-${m}`, verdict: 'alert', decidedAt: at(m) })));
    expect(receiver.requests).toHaveLength(1);
    expect(await count(metrics, 'warden_notify_suppressed_total')).toBe(3);
    await notifier.notify([decision({ decisionId: 'd-20', verdict: 'alert', decidedAt: at(20) })]);
    expect(receiver.requests).toHaveLength(2);
    const next = JSON.parse(receiver.requests[1]!.body) as { text: string; blocks: unknown[] };
    expect(next.text).toContain('(+3 suppressed)');
    expect(JSON.stringify(next.blocks)).toContain(`3 similar notifications for this identity and reason suppressed since ${at(2)}`);
  });

  it('retries a failing target with backoff, honouring Retry-After, then succeeds', async () => {
    const { notifier, metrics } = setup();
    receiver.script('/soc', [{ status: 503, body: 'busy' }, { status: 429, headers: { 'retry-after': '1' } }]);
    await notifier.notify([decision({ owner: 'team-data' })]);
    const soc = receiver.requests.filter((r) => r.path === '/soc');
    expect(soc).toHaveLength(3);
    expect(soc[2]!.at - soc[1]!.at).toBeGreaterThanOrEqual(45); // Retry-After 1 s, capped at maxDelayMs 50
    // Every attempt is signed afresh and keeps its delivery id.
    for (const r of soc) expect(verifyWebhook(r.body, r.headers, SECRET)).toMatchObject({ ok: true, deliveryId: 'd-1.soc' });
    expect(await count(metrics, 'warden_notify_failed_total')).toBe(2);
    expect(await count(metrics, 'warden_notify_sent_total')).toBe(1);
    expect(await count(metrics, 'warden_notify_dead_lettered_total')).toBe(0);
  });

  it('dead-letters a message after N failed attempts, with the reason and without secrets', async () => {
    const { notifier, metrics, deadFile } = setup();
    receiver.script('/soc', [{ status: 500, body: 'down' }, { status: 502 }, { status: 500, body: 'still down' }, { status: 200 }]);
    await notifier.notify([decision({ owner: 'team-data' })]);
    expect(receiver.requests.filter((r) => r.path === '/soc')).toHaveLength(3);
    const letters = readFileSync(deadFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as NotifyDeadLetter);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ target: 'soc', targetType: 'webhook', deliveryId: 'd-1.soc', attempts: 3, status: 500, reason: 'gave up after 3 attempts: HTTP 500: still down', decision: { decisionId: 'd-1' } });
    expect(await count(metrics, 'warden_notify_dead_lettered_total')).toBe(1);
    const all = readFileSync(deadFile, 'utf8') + logs;
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('slack-token-9c2e');
    expect(all).not.toContain(receiver.url);
  });

  it('does not retry what cannot pass (a 4xx such as a revoked Slack webhook)', async () => {
    const { notifier, deadFile } = setup();
    receiver.script(SLACK_TOKEN_PATH, [{ status: 404, body: 'no_service' }]);
    await notifier.notify([decision({ verdict: 'alert' })]);
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(readFileSync(deadFile, 'utf8')) as NotifyDeadLetter).toMatchObject({ target: 'platform-slack', attempts: 1, status: 404, reason: 'HTTP 404: no_service' });
    expect(logs).not.toContain('slack-token-9c2e');
  });

  it('dead-letters after network errors (nothing listening)', async () => {
    const { notifier, deadFile } = setup();
    await receiver.close();
    receiver = await startReceiver();
    await notifier.notify([decision({ owner: 'team-data' })]);
    expect(existsSync(deadFile)).toBe(true);
    expect((JSON.parse(readFileSync(deadFile, 'utf8')) as NotifyDeadLetter).reason).toMatch(/^gave up after 3 attempts: network error ECONNREFUSED/);
  });

  it('stops retrying when asked to stop, and throws so the batch is not committed', async () => {
    const { notifier, deadFile } = setup({ retry: { attempts: 5, initialDelayMs: 10_000, maxDelayMs: 10_000, timeoutMs: 2000 } });
    receiver.script('/soc', [{ status: 503 }]);
    const stop = new AbortController();
    const pending = notifier.notify([decision({ owner: 'team-data' })], stop.signal);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (receiver.requests.length > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    stop.abort();
    await expect(pending).rejects.toMatchObject({ code: 'WARDEN_NOTIFY_FAILED' });
    expect(existsSync(deadFile)).toBe(false);
  });

  it('stops a request in flight when asked to stop', async () => {
    const { notifier, deadFile } = setup();
    receiver.script('/soc', [{ status: 200, delayMs: 30_000 }]);
    const stop = new AbortController();
    const pending = notifier.notify([decision({ owner: 'team-data' })], stop.signal);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (receiver.requests.length > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    stop.abort();
    await expect(pending).rejects.toMatchObject({ code: 'WARDEN_NOTIFY_FAILED' });
    expect(existsSync(deadFile)).toBe(false);
  });

  it('refuses a target whose secret is missing, naming the variable and not the value', () => {
    expect(() => resolveTargets(configOf({ notify: { targets: { soc: { type: 'webhook', url: 'https://x.example', secret: { env: 'NOPE' } } } } }).notify, {})).toThrow(/notify\.targets\.soc\.secret: environment variable NOPE is not set/);
    expect(() => resolveTargets(configOf({ notify: { targets: { soc: { type: 'slack', url: 'ftp://x.example' } } } }).notify, {})).toThrow(/must be https/);
  });
});
