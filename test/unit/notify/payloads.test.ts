import { describe, expect, it } from 'vitest';
import { backoffMs, retryAfterMs } from '../../../src/notify/deliver.js';
import { buildNotification } from '../../../src/notify/message.js';
import { slackPayload } from '../../../src/notify/slack.js';
import { signBody, verifyWebhook, webhookBody, webhookHeaders } from '../../../src/notify/webhook.js';
import { decision } from './receiver.js';

describe('Slack payload', () => {
  it('escapes Slack control characters and omits links without console.url', () => {
    const n = buildNotification(decision({ resource: '<script>&', reasons: [{ code: 'POLICY_DENY', detail: 'a <b> & c', weight: 90 }] }), { topReasons: 3, consoleUrl: null });
    const text = JSON.stringify(slackPayload(n));
    expect(text).toContain('&lt;script&gt;&amp;');
    expect(text).toContain('a &lt;b&gt; &amp; c');
    expect(text).not.toContain('"actions"');
  });
  it('URL-encodes ids in console links', () => {
    const n = buildNotification(decision({ identity: 'ci/deploy prod', decisionId: 'a/b' }), { topReasons: 3, consoleUrl: 'https://c.example/warden' });
    expect(n.links).toEqual({ decision: 'https://c.example/warden/decisions/a%2Fb', identity: 'https://c.example/warden/identities/ci%2Fdeploy%20prod' });
  });
});

describe('webhook signature', () => {
  it('is sha256=<hex HMAC of the raw body>, with the timestamp inside the signed body', () => {
    const now = Date.parse('2026-11-20T02:17:03Z');
    const body = webhookBody(buildNotification(decision(), { topReasons: 3, consoleUrl: null }), 'd-1.soc', now);
    const headers = webhookHeaders(body, 'k', 'd-1.soc', now);
    expect(headers['x-warden-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(headers['x-warden-signature']).toBe(signBody(body, 'k'));
    expect(headers['x-warden-timestamp']).toBe(String(now / 1000));
    expect(verifyWebhook(body, headers, 'k', { nowMs: now + 1000 })).toEqual({ ok: true, deliveryId: 'd-1.soc' });
    // A replay with a fresh timestamp header but the old (signed) body is refused.
    expect(verifyWebhook(body, { ...headers, 'x-warden-timestamp': String(now / 1000 + 3600) }, 'k', { nowMs: now + 3600_000 })).toEqual({ ok: false, reason: 'timestamp-mismatch' });
    expect(verifyWebhook(body, {}, 'k')).toEqual({ ok: false, reason: 'missing-headers' });
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds or a date', () => {
    const now = Date.parse('2026-11-20T02:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Fri, 20 Nov 2026 02:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
  it('backs off exponentially with jitter, capped', () => {
    const p = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, p, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, p, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
});
