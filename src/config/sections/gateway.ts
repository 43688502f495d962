import { z } from 'zod';

/** A path template: `/literal/{name}/…`, a `{name+}` last segment takes the rest of the path. */
const PATH_TEMPLATE = /^\/$|^(\/([^/{}]+|\{[A-Za-z_][A-Za-z0-9_]*\}))*(\/\{[A-Za-z_][A-Za-z0-9_]*\+\})?$/;

/** One entry of `gateway.inline.routes`: the first entry whose method and path match maps the request. */
export const inlineRouteSchema = z.strictObject({
  /** HTTP method (upper case) or `*`. @defaultValue '*' */
  method: z.string().regex(/^(\*|[A-Z]+)$/, 'an upper-case HTTP method or *').default('*'),
  /** Path template, e.g. `/s3/{bucket}/{key+}`; `{name}` is one segment, `{name+}` the rest of the path. */
  path: z.string().regex(PATH_TEMPLATE, 'a path template such as /users/{id} or /files/{path+} (`{name+}` only as the last segment)'),
  /**
   * Action template, e.g. `s3:PutObject` or `iam:{query.Action}`; `{name}`, `{query.NAME}`,
   * `{header.NAME}` and `{method}` are filled in; `{…|last}` keeps what follows the last `.`, `:`,
   * `/` or `#` (`{header.x-amz-target|last}`).
   */
  action: z.string().min(1),
  /** Resource template, e.g. `arn:aws:s3:::{bucket}/{key}`. @defaultValue the canonical path */
  resource: z.string().min(1).optional(),
  /**
   * Request parameters for the knowledge pack's conditions, as `attributes.request.<name>` of the
   * event (templates like the action's), e.g. `{ userName: '{user}' }` for `iam:CreateAccessKey`.
   */
  request: z.record(z.string().min(1), z.string()).optional(),
  /** Marks the event read-only (lower novelty weight for reads, see baseline.readOnlyNoveltyFactor). */
  readOnly: z.boolean().optional(),
  /** Marks the event privileged. */
  privileged: z.boolean().optional(),
});

export const inlineSchema = z.strictObject({
  /** Decide every request before forwarding it (also `warden gateway --inline`). @defaultValue false */
  enabled: z.boolean().default(false),
  /**
   * Time budget of one inline decision in ms. The baseline read gets 80% of it; past that, the
   * request is decided on identity, policy and technique knowledge only and handled by `failMode`.
   * @defaultValue 50
   */
  timeoutMs: z.number().int().positive().default(50),
  /**
   * When the baselines cannot be read in time (Redis slow or down): `open` forwards the request
   * marked `X-Warden-Degraded`, `closed` answers 503. A policy or knowledge-pack block still
   * answers 403 either way. @defaultValue 'open'
   */
  failMode: z.enum(['open', 'closed']).default('open'),
  /**
   * After an inline `block`, the gateway itself refuses the identity (or its token, with
   * `blocks.scope: token`) for this long: the time `warden run`'s block record for the same
   * decision needs to reach the block table. 0: every request is decided on its own. @defaultValue 30000
   */
  holdBlockMs: z.number().int().min(0).default(30_000),
  /** How long a baseline read from Redis is reused. @defaultValue 1000 */
  cacheTtlMs: z.number().int().min(0).default(1000),
  /** Baselines cached at most. @defaultValue 10000 */
  cacheMaxEntries: z.number().int().positive().default(10_000),
  /**
   * Produce each decided request as a native audit event (same event id) to the input topic, so
   * `warden run` learns from it once and publishes the same decision. @defaultValue false
   */
  emit: z.boolean().default(false),
  /** Topic the events are produced to. @defaultValue the first `kafka.inputs` topic of format `warden` */
  emitTopic: z.string().min(1).optional(),
  /**
   * Header a trusted proxy in front sets to a unique request id (nginx `$request_id`); the event id
   * is derived from it, so the upstream's own logs can carry the same id. Unset: the gateway makes one.
   */
  requestIdHeader: z.string().min(1).optional(),
  /** Header a trusted proxy in front sets to the client address (else the connection's address). */
  sourceIpHeader: z.string().min(1).optional(),
  /** Header naming the calling workload (`source.workload` of the event). */
  workloadHeader: z.string().min(1).optional(),
  /** Fixed fields of every event: the environment and region the API serves. */
  event: z
    .strictObject({
      environment: z.string().min(1).optional(),
      region: z.string().min(1).optional(),
      /** @defaultValue 'service_account' */
      identityType: z.enum(['service_account', 'role', 'user', 'bot', 'app', 'token', 'service', 'workload', 'database_user', 'unknown']).default('service_account'),
    })
    .prefault({}),
  /** Method/route → action and resource, first match wins; unmatched requests get the generic mapping (docs/enforcement.md). */
  routes: z.array(inlineRouteSchema).default([]),
});

export type InlineConfig = z.output<typeof inlineSchema>;
export type InlineRouteConfig = z.output<typeof inlineRouteSchema>;

/**
 * `warden gateway`: the enforcement sidecar / reverse proxy and the `/v1/check` endpoint for
 * nginx `auth_request` and Envoy ext_authz. See docs/enforcement.md.
 */
export const gatewaySchema = z.strictObject({
  /** Where the gateway listens. @defaultValue 127.0.0.1:8080 */
  listen: z
    .strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(8080) })
    .prefault({}),
  /** The API allowed requests are forwarded to (http:// or https://). Absent = check endpoint only. */
  upstream: z.url({ protocol: /^https?$/ }).optional(),
  /** How the caller is identified. */
  identify: z
    .strictObject({
      /** `header`: a header names the identity; `bearer`: `Authorization: Bearer` mapped through tokensFile; `mtls`: client certificate subject CN. */
      mode: z.enum(['header', 'bearer', 'mtls']).default('header'),
      /** Header carrying the identity in `header` mode (lower case). @defaultValue 'x-warden-identity' */
      header: z.string().min(1).default('x-warden-identity'),
      /** Header carrying an optional token / credential id in `header` mode. @defaultValue 'x-warden-token' */
      tokenHeader: z.string().min(1).default('x-warden-token'),
      /** YAML file mapping bearer tokens (plain or SHA-256) to identities, required in `bearer` mode. */
      tokensFile: z.string().optional(),
    })
    .prefault({}),
  /** TLS for the listener; with `caFile` and `requestClientCert`, clients present certificates (mTLS mode). */
  tls: z
    .strictObject({
      certFile: z.string(),
      keyFile: z.string(),
      caFile: z.string().optional(),
      requestClientCert: z.boolean().default(false),
    })
    .optional(),
  /** Answer for requests whose caller cannot be identified: `deny` (401) or `allow` (forwarded). @defaultValue 'deny' */
  unidentified: z.enum(['deny', 'allow']).default('deny'),
  /** Once the block table is stale: `open` keeps serving from it, `closed` denies every request. @defaultValue 'open' */
  failMode: z.enum(['open', 'closed']).default('open'),
  /** No contact with the blocks topic for this long makes the table stale. @defaultValue 30000 */
  maxStalenessMs: z.number().int().positive().default(30_000),
  /**
   * Encoded slashes (`%2F`), encoded backslashes (`%5C`) and raw `\` in a request path: `reject`
   * answers 400; `decode` reads them as `/` for matching and forwards the decoded path. Never
   * passed through as they came, so the upstream cannot read a different path than was matched.
   * @defaultValue 'reject'
   */
  encodedSlashes: z.enum(['reject', 'decode']).default('reject'),
  /** Path of the check endpoint; Envoy's ext_authz appends the original path to it. @defaultValue '/v1/check' */
  checkPath: z.string().startsWith('/').default('/v1/check'),
  /** Upstream timeouts in ms (headers, then idle body). @defaultValue 30000 */
  upstreamTimeoutMs: z.number().int().positive().default(30_000),
  /** Upstream connections kept open. @defaultValue 128 */
  upstreamConnections: z.number().int().positive().default(128),
  /** Inline guardrails: decide each request before it is forwarded (docs/enforcement.md, "Inline mode"). */
  inline: inlineSchema.prefault({}),
});

export type GatewayConfig = z.output<typeof gatewaySchema>;
