import { z } from 'zod';

const count = z.number().int().min(1).max(10);

/** Approval requests and grants (docs/approvals.md). */
export const approvalsSchema = z.strictObject({
  /**
   * Distinct approvers a request needs, by the identity's criticality in the inventory
   * (`unknown`: an identity the inventory does not list or gives no criticality). The requester
   * never counts. @defaultValue 1 for each
   */
  required: z
    .strictObject({
      low: count.default(1),
      medium: count.default(1),
      high: count.default(1),
      critical: count.default(1),
      unknown: count.default(1),
    })
    .prefault({}),
  /** A pending request expires unanswered after this long. @defaultValue 3600 (1 h) */
  pendingTtlSeconds: z.number().int().positive().default(3600),
  /** How long a grant lasts when the request was opened by an approve-mode policy rule. @defaultValue 3600 (1 h) */
  policyGrantTtlSeconds: z.number().int().positive().default(3600),
  /** The longest grant a request may ask for (`--ttl`). @defaultValue 86400 (24 h) */
  maxGrantTtlSeconds: z.number().int().positive().default(86_400),
});

export type ApprovalsConfig = z.output<typeof approvalsSchema>;
