/**
 * Decision sinks (`warden sinks`): notifications (Slack and HTTPS webhooks) and OCSF findings,
 * run outside the decision path with their own consumer group. See docs/notifications.md and
 * docs/ocsf.md.
 */
import { z } from 'zod';
import { secretSchema } from './kafka.js';

const verdictSchema = z.enum(['alert', 'block']);
const listOf = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((v): Array<z.output<T>> => (Array.isArray(v) ? v : [v]));

const targetBase = {
  /** Extra request headers (values may be secrets: `{env: NAME}` or `{file: path}`). */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), secretSchema).default({}),
};

export const notifyTargetSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('slack'),
    /** The incoming-webhook URL; it holds Slack's token, so give it as `{env: NAME}` or `{file: path}`. */
    url: secretSchema,
    ...targetBase,
  }),
  z.strictObject({
    type: z.literal('webhook'),
    url: secretSchema,
    /** HMAC-SHA256 key of the `X-Warden-Signature` header. */
    secret: secretSchema,
    ...targetBase,
  }),
]);
export type NotifyTargetConfig = z.output<typeof notifyTargetSchema>;

export const notifyRouteSchema = z.strictObject({
  /** Every field given must match (fields are and-ed, values in one field or-ed); an empty match takes everything. */
  match: z
    .strictObject({
      /** Owner teams (the decision's `owner`); `unowned` matches a decision without owner. */
      owner: listOf(z.string().min(1)).optional(),
      verdict: listOf(verdictSchema).optional(),
      /** Reason codes; matches when the decision carries any of them. A trailing `*` matches a prefix (`SIGMA:*`). */
      reason: listOf(z.string().regex(/^[A-Z][A-Z0-9_]*(:.+|:?\*)?$/, 'a reason code such as NEW_ACTION (or a prefix such as SIGMA:*)')).optional(),
      /** Identity globs (picomatch: `svc-*`, `ci/**`). */
      identity: listOf(z.string().min(1)).optional(),
    })
    .prefault({}),
  targets: listOf(z.string().min(1)),
});
export type NotifyRouteConfig = z.output<typeof notifyRouteSchema>;

export const notifySchema = z
  .strictObject({
    /** Named targets the routes send to. */
    targets: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a target name (letters, digits, _ . -)'), notifyTargetSchema).default({}),
    /** Every route that matches adds its targets; a target gets one message per decision. */
    routes: z.array(notifyRouteSchema).default([]),
    /** Repeats of one identity and top reason within the window are suppressed (counted in the next message); 0 sends all. @defaultValue 900 */
    dedupWindowSeconds: z.number().int().min(0).max(7 * 86_400).default(900),
    /** Reasons shown in a message, heaviest first. @defaultValue 3 */
    topReasons: z.number().int().min(1).max(20).default(3),
    retry: z
      .strictObject({
        /** Attempts per message before it is dead-lettered. @defaultValue 5 */
        attempts: z.number().int().min(1).max(20).default(5),
        /** First backoff; doubles per attempt with full jitter. @defaultValue 500 */
        initialDelayMs: z.number().int().min(1).default(500),
        /** Cap of one backoff and of an honoured Retry-After. @defaultValue 30000 */
        maxDelayMs: z.number().int().min(1).default(30_000),
        /** One request's timeout. @defaultValue 10000 */
        timeoutMs: z.number().int().min(100).default(10_000),
      })
      .prefault({}),
    /** Messages that failed every attempt, with the reason: an NDJSON file and/or a topic. */
    deadLetter: z
      .strictObject({
        /** @defaultValue '.warden/notify-dead-letters.ndjson' (null: none; then failures are only logged) */
        file: z.string().min(1).nullable().default('.warden/notify-dead-letters.ndjson'),
        topic: z.string().min(1).nullable().default(null),
      })
      .prefault({}),
    /** Messages in flight at once. @defaultValue 8 */
    concurrency: z.number().int().min(1).max(256).default(8),
  })
  .superRefine((n, ctx) => {
    for (const [i, route] of n.routes.entries()) {
      for (const t of route.targets) {
        if (!(t in n.targets)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'targets'], message: `unknown target "${t}" (notify.targets has: ${Object.keys(n.targets).join(', ') || 'none'})` });
      }
    }
  });
export type NotifyConfig = z.output<typeof notifySchema>;

export const ocsfSchema = z.strictObject({
  /** Converts alert and block decisions to OCSF 1.5 Detection Findings in `warden sinks`. @defaultValue false */
  enabled: z.boolean().default(false),
  /** Publishes findings to `kafka.topics.findings`. @defaultValue true */
  topic: z.boolean().default(true),
  /** An NDJSON file of findings, rotated by size (`<path>.1` is the newest rotated file). */
  file: z
    .strictObject({
      path: z.string().min(1),
      /** @defaultValue 67108864 (64 MiB) */
      maxBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
      /** Rotated files kept. @defaultValue 5 */
      keep: z.number().int().min(1).max(1000).default(5),
    })
    .nullable()
    .default(null),
});
export type OcsfConfig = z.output<typeof ocsfSchema>;

export const sinksSchema = z.strictObject({
  /** Consumer group of `warden sinks` on the decisions topic (its own offsets). @defaultValue 'warden-sinks' */
  groupId: z.string().min(1).default('warden-sinks'),
  /**
   * Where a new consumer group starts on the decisions topic: `latest` (no flood of old alerts on a
   * first start) or `earliest` (the whole retention). A known group resumes from its commits. @defaultValue 'latest'
   */
  startAt: z.enum(['latest', 'earliest']).default('latest'),
  /** Decisions handled in one go (one produce request of findings, one commit). @defaultValue 500 */
  maxBatchSize: z.number().int().min(1).max(10_000).default(500),
  /** `/metrics`, `/healthz`, `/readyz` of the sinks process. @defaultValue 127.0.0.1:9465 */
  http: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9465) }).prefault({}),
});

/** The sections `warden sinks` reads, spread into the app schema (it also reads `console.url`). */
export const sinkSections = {
  notify: notifySchema.prefault({}),
  ocsf: ocsfSchema.prefault({}),
  sinks: sinksSchema.prefault({}),
};
