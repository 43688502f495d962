import { z } from 'zod';

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
  /** Time the inline decider may take before the gateway falls back to failMode. @defaultValue 50 */
  inlineTimeoutMs: z.number().int().positive().default(50),
});

export type GatewayConfig = z.output<typeof gatewaySchema>;
