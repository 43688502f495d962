/**
 * A notification as a signed JSON webhook. The body carries the full signed decision (a receiver
 * can check its Ed25519 signature too), a summary and `sentAt`. Headers:
 * - `X-Warden-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the target's secret;
 * - `X-Warden-Timestamp: <unix seconds>`, equal to the body's `sentAt`, so the signed body pins the
 *   time: a receiver refuses a timestamp outside its tolerance (a replay) and a body whose `sentAt`
 *   differs from the header;
 * - `X-Warden-Delivery`: the same id on every retry of one message (receivers deduplicate on it).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Notification } from './message.js';

export const SIGNATURE_HEADER = 'x-warden-signature';
export const TIMESTAMP_HEADER = 'x-warden-timestamp';
export const DELIVERY_HEADER = 'x-warden-delivery';

export function signBody(rawBody: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function webhookBody(n: Notification, deliveryId: string, nowMs: number): string {
  const d = n.decision;
  return JSON.stringify({
    type: `warden.decision.${d.verdict}`,
    version: 1,
    deliveryId,
    sentAt: Math.floor(nowMs / 1000),
    summary: {
      identity: d.identity,
      owner: d.owner,
      verdict: d.verdict,
      risk: d.score,
      action: d.action,
      resource: d.resource,
      topReasons: n.topReasons.map((r) => ({ code: r.code, weight: r.weight, detail: r.detail })),
      links: n.links,
      suppressed: n.suppressed,
    },
    decision: d,
  });
}

/** The request headers of one attempt (the body must be the one `webhookBody` made for `nowMs`). */
export function webhookHeaders(rawBody: string, secret: string, deliveryId: string, nowMs: number): Record<string, string> {
  return {
    [SIGNATURE_HEADER]: signBody(rawBody, secret),
    [TIMESTAMP_HEADER]: String(Math.floor(nowMs / 1000)),
    [DELIVERY_HEADER]: deliveryId,
  };
}

export type WebhookCheck = { ok: true; deliveryId: string } | { ok: false; reason: 'missing-headers' | 'bad-signature' | 'stale-timestamp' | 'timestamp-mismatch' };

/**
 * What a receiver does with a Warden webhook: checks the HMAC over the raw bytes (constant time),
 * that the timestamp is within `toleranceSeconds` of its clock, and that the signed body names the
 * same time as the header.
 */
export function verifyWebhook(rawBody: string | Buffer, headers: Record<string, string | string[] | undefined>, secret: string, options: { toleranceSeconds?: number; nowMs?: number } = {}): WebhookCheck {
  const one = (name: string): string | undefined => {
    const v = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const signature = one(SIGNATURE_HEADER);
  const timestamp = one(TIMESTAMP_HEADER);
  const deliveryId = one(DELIVERY_HEADER) ?? '';
  if (signature === undefined || timestamp === undefined) return { ok: false, reason: 'missing-headers' };
  const expected = Buffer.from(signBody(rawBody, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  const ts = Number(timestamp);
  const now = (options.nowMs ?? Date.now()) / 1000;
  if (!Number.isInteger(ts) || Math.abs(now - ts) > (options.toleranceSeconds ?? 300)) return { ok: false, reason: 'stale-timestamp' };
  let sentAt: unknown;
  try {
    sentAt = (JSON.parse(rawBody.toString()) as { sentAt?: unknown }).sentAt;
  } catch {
    return { ok: false, reason: 'bad-signature' };
  }
  if (sentAt !== ts) return { ok: false, reason: 'timestamp-mismatch' };
  return { ok: true, deliveryId };
}
