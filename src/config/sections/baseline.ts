import { z } from 'zod';

export const baselineSchema = z.strictObject({
  /** Days an identity is in its learning period after its first event. */
  learningDays: z.number().positive().default(3),
  /** Events an identity must have before it leaves the learning period. */
  learningEvents: z.number().int().nonnegative().default(50),
  /** Maximum entries of each per-identity top-K map (actions, resources, sources…). */
  maxEntriesPerMap: z.number().int().positive().default(256),
  /** Idle identities' state expires after this many days. */
  idleTtlDays: z.number().positive().default(30),
});

export const scoringSchema = z.strictObject({
  /** Risk at or above which a decision alerts. */
  alertAt: z.number().min(0).max(100).default(50),
  /** Risk at or above which a decision blocks. */
  blockAt: z.number().min(0).max(100).default(80),
});

export const modelSchema = z.strictObject({
  enabled: z.boolean().default(false),
  path: z.string().default('models/default'),
});
