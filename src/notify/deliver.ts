/**
 * Sends one notification to one target with undici: retries with exponential backoff and jitter on
 * what can pass (a network error, a timeout, 408, 425, 429, 5xx), honouring `Retry-After`; gives up
 * at once on what cannot (any other 4xx: a wrong URL, a revoked Slack webhook, a payload refused).
 * The caller dead-letters a failure. URLs and secrets never appear in an outcome or a log line.
 */
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { WARDEN_VERSION } from '../version.js';
import type { Notification } from './message.js';
import { slackPayload } from './slack.js';
import { webhookBody, webhookHeaders } from './webhook.js';

export interface DeliveryTarget {
  name: string;
  type: 'slack' | 'webhook';
  url: string;
  /** HMAC key of webhook targets. */
  secret?: string;
  headers: Readonly<Record<string, string>>;
}

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export type DeliveryOutcome =
  | { ok: true; attempts: number; status: number }
  | { ok: false; attempts: number; reason: string; status?: number; aborted?: boolean };

export interface DeliveryDeps {
  dispatcher?: Dispatcher;
  now?: () => number;
  random?: () => number;
  /** Stops waiting between attempts (shutdown): the outcome is then `aborted`. */
  signal?: AbortSignal;
  /** Called after each failed attempt that will be retried. */
  onRetry?: (info: { attempt: number; reason: string; status?: number; delayMs: number }) => void;
}

const RETRIABLE_STATUS = new Set([408, 425, 429]);
const RESPONSE_TEXT_MAX = 200;

/** Seconds or an HTTP date, as a delay in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/** Exponential backoff with equal jitter: half the step fixed, half random. */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function requestOf(target: DeliveryTarget, n: Notification, deliveryId: string, nowMs: number): { body: string; headers: Record<string, string> } {
  const base = { 'content-type': 'application/json; charset=utf-8', 'user-agent': `warden/${WARDEN_VERSION}`, ...target.headers };
  if (target.type === 'slack') return { body: JSON.stringify(slackPayload(n)), headers: base };
  const body = webhookBody(n, deliveryId, nowMs);
  return { body, headers: { ...base, ...webhookHeaders(body, target.secret ?? '', deliveryId, nowMs) } };
}

/** Network error codes without the message (which can name the host). */
function networkReason(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : typeof e.name === 'string' ? e.name : 'error';
  return `network error ${code}`;
}

export async function deliver(target: DeliveryTarget, n: Notification, deliveryId: string, policy: RetryPolicy, deps: DeliveryDeps = {}): Promise<DeliveryOutcome> {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  let last: { reason: string; status?: number } = { reason: 'not attempted' };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (deps.signal?.aborted) return { ok: false, attempts: attempt - 1, reason: 'stopped before delivery', aborted: true };
    const { body, headers } = requestOf(target, n, deliveryId, now());
    let retriable: boolean;
    let wait: number | undefined;
    try {
      const res = await request(target.url, {
        method: 'POST',
        body,
        headers,
        dispatcher: deps.dispatcher,
        headersTimeout: policy.timeoutMs,
        bodyTimeout: policy.timeoutMs,
        signal: deps.signal ? AbortSignal.any([deps.signal, AbortSignal.timeout(policy.timeoutMs)]) : AbortSignal.timeout(policy.timeoutMs),
      });
      const text = (await res.body.text()).slice(0, RESPONSE_TEXT_MAX);
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, attempts: attempt, status: res.statusCode };
      retriable = RETRIABLE_STATUS.has(res.statusCode) || res.statusCode >= 500;
      last = { reason: `HTTP ${res.statusCode}${text ? `: ${text.replace(/\s+/g, ' ').trim()}` : ''}`, status: res.statusCode };
      wait = retryAfterMs(res.headers['retry-after'], now());
    } catch (err) {
      if (deps.signal?.aborted) return { ok: false, attempts: attempt, reason: 'stopped during a request', aborted: true };
      retriable = true;
      last = { reason: networkReason(err) };
    }
    if (!retriable) return { ok: false, attempts: attempt, ...last };
    if (attempt === policy.attempts) break;
    const delayMs = Math.min(policy.maxDelayMs, wait ?? backoffMs(attempt, policy, random));
    deps.onRetry?.({ attempt, reason: last.reason, status: last.status, delayMs });
    if (!(await sleep(delayMs, deps.signal))) return { ok: false, attempts: attempt, reason: 'stopped while retrying', aborted: true };
  }
  return { ok: false, attempts: policy.attempts, ...last, reason: `gave up after ${policy.attempts} attempts: ${last.reason}` };
}
