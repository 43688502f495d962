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

/** The learned model (docs/model.md). Off until the ablation in BENCHMARKS.md shows it adds recall. */
export const modelSchema = z
  .strictObject({
    /** Score events with the autoencoder. @defaultValue false */
    enabled: z.boolean().default(false),
    /** Model directory (meta.json + weights.json). @defaultValue 'models/default' */
    path: z.string().min(1).default('models/default'),
    /** Reload the model when its files change; a bad model is refused and the old one keeps serving. @defaultValue true */
    watch: z.boolean().default(true),
    /** Risk points (0..100) the model's reason adds at full weight. @defaultValue 25 */
    weight: z.number().min(0).max(100).default(25),
    /** Percentile of the identity class's benign reconstruction error from which the model adds a reason. @defaultValue 99.5 */
    minPercentile: z.number().min(50).max(100).default(99.5),
    /** Percentile at which the reason carries its full weight (half weight at minPercentile). @defaultValue 99.95 */
    fullWeightPercentile: z.number().min(50).max(100).default(99.95),
  })
  .refine((m) => m.fullWeightPercentile >= m.minPercentile, {
    message: 'fullWeightPercentile must be at least minPercentile',
    path: ['fullWeightPercentile'],
  });
