/**
 * The normalized event: Warden's native format (`--format warden`). Every source format is mapped
 * onto this shape. Only `id`, `time`, `identity.id` and `action` are required; every detector must
 * cope with any other field being absent.
 */

export type IdentityType =
  | 'service_account'
  | 'role'
  | 'user'
  | 'bot'
  | 'app'
  | 'token'
  | 'service'
  | 'workload'
  | 'database_user'
  | 'unknown';

export type Outcome = 'success' | 'failure' | 'denied';

export interface EventIdentity {
  /** Stable id of the machine identity (role ARN, `system:serviceaccount:ns:name`, app slug, db user). */
  id: string;
  type?: IdentityType;
  /** Credential used for this call (access key id, token id, hashed token). */
  tokenId?: string;
  /** Session within the credential (assumed-role session name, GitHub token session). */
  sessionId?: string;
  /** Chain of identities that acted through this one, outermost first (GCP delegation, AssumeRole). */
  delegationChain?: string[];
}

export interface EventSource {
  ip?: string;
  userAgent?: string;
  region?: string;
  workload?: string;
  asn?: string;
  country?: string;
}

export interface WardenEvent {
  id: string;
  /** RFC 3339 event time; Warden's core never reads the wall clock. */
  time: string;
  identity: EventIdentity;
  /** `<service>:<operation>`, e.g. `s3:PutObject`, `k8s:get:secrets`, `github:repo.create`. */
  action: string;
  resource?: string;
  outcome?: Outcome;
  source?: EventSource;
  environment?: string;
  privileged?: boolean;
  /**
   * Volume moved, when the source says. Normalizers emit it absent when unknown (the native one
   * reads a producer's `null` as absent); `null` stays in the type for in-process producers.
   */
  bytes?: number | null;
  rows?: number | null;
  /** Read-only call, when the source says so (CloudTrail `readOnly`, Kubernetes get/list/watch). */
  readOnly?: boolean;
  /** Which source format this came from (`cloudtrail`, `k8s`, `github`, `gcp`, `pgaudit`, `warden`, …). */
  sourceFormat?: string;
  attributes?: Record<string, unknown>;
  /** The original record, kept only when asked for. */
  raw?: unknown;
}
