import { z } from 'zod';

/** Where a generic mapping finds each native field: a dotted path into the record (`a.b[0].c`). */
export const genericFieldsSchema = z.strictObject({
  /** Source's own event id; a content hash is used when absent. */
  id: z.string().min(1).optional(),
  time: z.string().min(1),
  identity: z.string().min(1),
  action: z.string().min(1),
  identityType: z.string().min(1).optional(),
  tokenId: z.string().min(1).optional(),
  sessionId: z.string().min(1).optional(),
  resource: z.string().min(1).optional(),
  outcome: z.string().min(1).optional(),
  sourceIp: z.string().min(1).optional(),
  userAgent: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  workload: z.string().min(1).optional(),
  environment: z.string().min(1).optional(),
  bytes: z.string().min(1).optional(),
  rows: z.string().min(1).optional(),
  readOnly: z.string().min(1).optional(),
});

/** A JSON source that is none of the built-in formats, described in config. */
export const genericMappingSchema = z.strictObject({
  /** Name used as `sourceFormat` and as a `--format` value. */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, - and _')
    .refine((n) => !['auto', 'cloudtrail', 'k8s', 'github', 'gcp', 'ocsf', 'pgaudit', 'warden'].includes(n), 'clashes with a built-in format'),
  /** Auto-detection: every listed field must be present (and equal `equals` when given). */
  detect: z
    .array(z.strictObject({ field: z.string().min(1), equals: z.union([z.string(), z.number(), z.boolean()]).optional() }))
    .default([]),
  /** Prefix put before the mapped action, e.g. `vault` gives `vault:<action>`. */
  actionPrefix: z.string().optional(),
  /** Source outcome values (stringified) mapped onto success/failure/denied. */
  outcomes: z.record(z.string(), z.enum(['success', 'failure', 'denied'])).default({}),
  fields: genericFieldsSchema,
});

export const eventsSchema = z.strictObject({
  /** Records larger than this are rejected (`TOO_LARGE`). @defaultValue 1 MiB */
  maxRecordBytes: z.number().int().positive().default(1024 * 1024),
  /** JSON nesting deeper than this is rejected (`TOO_DEEP`). */
  maxDepth: z.number().int().positive().default(64),
  /** Keep the original record under `raw` in normalized events. */
  keepRaw: z.boolean().default(false),
  /**
   * Actions (glob patterns on the normalized action, `*` within a segment is any run of
   * characters) that mark an event `privileged`. @defaultValue built-in list (IAM, K8s RBAC and
   * secrets, GitHub admin, DDL/roles), see docs/formats.md
   */
  privilegedActions: z.array(z.string().min(1)).optional(),
  /** Patterns added to the privileged list (default or configured) without replacing it. */
  extraPrivilegedActions: z.array(z.string().min(1)).default([]),
  /**
   * Kubernetes audit stages that produce events. RequestReceived only duplicates a later stage.
   * @defaultValue ['ResponseStarted', 'ResponseComplete', 'Panic']
   */
  k8sStages: z.array(z.enum(['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'])).default(['ResponseStarted', 'ResponseComplete', 'Panic']),
  /** Generic JSON sources: field paths mapped onto native fields. */
  mappings: z.array(genericMappingSchema).default([]),
});

export type EventsConfig = z.output<typeof eventsSchema>;
export type GenericMapping = z.output<typeof genericMappingSchema>;
