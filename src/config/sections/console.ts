import { z } from 'zod';

/**
 * `warden console`: the operator web console. It has no default credentials: at least one of
 * `WARDEN_CONSOLE_TOKEN`, `tokenFile` or `proxy` must be set or it refuses to start. See
 * docs/console.md.
 */
export const consoleSchema = z.strictObject({
  /**
   * The console's address as operators reach it (behind its proxy), for links in notifications
   * (`warden sinks`): `<url>/decisions/<id>`, `<url>/identities/<id>`. @defaultValue null (no links)
   */
  url: z.url({ protocol: /^https?$/ }).nullable().default(null),
  /** Where the console listens. @defaultValue 127.0.0.1:8090 */
  listen: z
    .strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(8090) })
    .prefault({}),
  /**
   * YAML file of operator tokens: `tokens: [{name, role: operator|read-only, token | sha256}]`.
   * Plain tokens and SHA-256 hex digests are both accepted; prefer digests.
   */
  tokenFile: z.string().optional(),
  /**
   * Name and role of the single token given in `WARDEN_CONSOLE_TOKEN`.
   * @defaultValue { name: 'operator', role: 'operator' }
   */
  envToken: z
    .strictObject({ name: z.string().min(1).default('operator'), role: z.enum(['operator', 'read-only']).default('operator') })
    .prefault({}),
  /** Identity from a trusted reverse proxy (oauth2-proxy, an OIDC-aware ingress). */
  proxy: z
    .strictObject({
      /** Header naming the authenticated user, e.g. `x-forwarded-email` (lower case). */
      header: z.string().min(1).transform((h) => h.toLowerCase()),
      /** Addresses or CIDR ranges of the proxies whose header is believed; anything else is ignored. */
      trustedProxies: z.array(z.string().min(1)).min(1),
      /** Users (as the header names them) with the operator role; everyone else is read-only. @defaultValue [] */
      operators: z.array(z.string().min(1)).default([]),
      /** Optional header with the user's groups (comma separated), e.g. `x-forwarded-groups`. */
      groupsHeader: z.string().min(1).transform((h) => h.toLowerCase()).optional(),
      /** Groups whose members are operators. @defaultValue [] */
      operatorGroups: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  /** Set the session cookie `Secure` (browsers keep it on https and on http://localhost). @defaultValue true */
  secureCookie: z.boolean().default(true),
  /** How long a login form session lasts. @defaultValue 12 */
  sessionHours: z.number().positive().max(24 * 30).default(12),
  /** On start, read decisions and blocks this far back (hours, by record timestamp). @defaultValue 24 */
  windowHours: z.number().positive().default(24),
  /** Decisions kept in memory for the live page and decision pages (oldest dropped first). @defaultValue 50000 */
  maxDecisions: z.number().int().min(100).default(50_000),
  /** Recent decisions kept per identity (counters and hourly series stay exact). @defaultValue 200 */
  perIdentityDecisions: z.number().int().min(10).max(10_000).default(200),
  /** Identities tracked (least recently active dropped first). @defaultValue 20000 */
  maxIdentities: z.number().int().min(10).default(20_000),
  /** Audit events (from the input topics) kept to show on decision pages; 0 = do not read the input topics. @defaultValue 20000 */
  eventCacheSize: z.number().int().min(0).default(20_000),
  /** Decisions sent per second to one live page; the rest are counted but not sent. @defaultValue 50 */
  liveMaxPerSecond: z.number().int().min(1).max(10_000).default(50),
  /** An inventory identity with no decision for this many days is listed as stale. @defaultValue 7 */
  staleDays: z.number().positive().default(7),
  /** A block that ends within this many hours is listed as expiring. @defaultValue 24 */
  expiringHours: z.number().positive().default(24),
});

export type ConsoleConfig = z.output<typeof consoleSchema>;
