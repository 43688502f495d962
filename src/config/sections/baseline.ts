import { z } from 'zod';

/** Points each detector's finding adds to the risk (0..100). Defaults are documented in docs/baselines.md. */
export const detectorWeightsSchema = z.strictObject({
  NEW_ACTION: z.number().min(0).max(100).default(20),
  NEW_SERVICE: z.number().min(0).max(100).default(20),
  NEW_RESOURCE: z.number().min(0).max(100).default(15),
  NEW_SOURCE_IP: z.number().min(0).max(100).default(5),
  NEW_SOURCE_NETWORK: z.number().min(0).max(100).default(15),
  NEW_SOURCE_ASN: z.number().min(0).max(100).default(30),
  NEW_SOURCE_COUNTRY: z.number().min(0).max(100).default(25),
  NEW_REGION: z.number().min(0).max(100).default(20),
  NEW_USER_AGENT: z.number().min(0).max(100).default(15),
  NEW_WORKLOAD: z.number().min(0).max(100).default(15),
  UNUSUAL_HOUR: z.number().min(0).max(100).default(30),
  RATE_SPIKE: z.number().min(0).max(100).default(30),
  VOLUME_SPIKE: z.number().min(0).max(100).default(45),
  FAILURE_BURST: z.number().min(0).max(100).default(35),
  DENIED_THEN_SUCCESS: z.number().min(0).max(100).default(30),
  RARE_SEQUENCE: z.number().min(0).max(100).default(10),
  CONCURRENT_TOKEN_USE: z.number().min(0).max(100).default(55),
  FIRST_PRIVILEGED: z.number().min(0).max(100).default(40),
  ENUMERATION: z.number().min(0).max(100).default(40),
  DESTRUCTIVE_ACTION: z.number().min(0).max(100).default(35),
  SLOW_AND_LOW: z.number().min(0).max(100).default(45),
});
export type DetectorWeights = z.output<typeof detectorWeightsSchema>;

export const baselineSchema = z.strictObject({
  /** Days an identity is in its learning period after its first event. @defaultValue 3 */
  learningDays: z.number().positive().default(3),
  /** Events an identity must have before it leaves the learning period. @defaultValue 30 */
  learningEvents: z.number().int().nonnegative().default(30),
  /** Weight multiplier of findings during the learning period. @defaultValue 0.25 */
  learningWeight: z.number().min(0).max(1).default(0.25),
  /**
   * Judge identities in their learning period against their peers (same class, else owner and
   * identity type, else type and account), blended by maturity. @defaultValue true
   */
  peers: z.boolean().default(true),
  /** Maximum entries of each per-identity top-K map (actions, resources, sources…). @defaultValue 256 */
  maxEntriesPerMap: z.number().int().positive().default(256),
  /** Idle identities' state expires after this many days. @defaultValue 30 */
  idleTtlDays: z.number().positive().default(30),
  /** A value not seen for this many days is forgotten and counts as new again. @defaultValue 30 */
  forgetAfterDays: z.number().positive().default(30),
  /** A new value is absorbed as normal after this many sightings from a legitimate context. @defaultValue 3 */
  absorbAfterSightings: z.number().int().positive().default(3),
  /**
   * A sighting counts as coming from a legitimate context (and absorbs its new values) when the
   * event was allowed and its findings outside its main novelty (the larger of what/where) add up
   * to less than this. @defaultValue 25
   */
  absorbBelowScore: z.number().min(0).max(100).default(25),
  /** …or once it has been seen (from any context) on this many distinct days. @defaultValue 2 */
  absorbAfterDays: z.number().int().positive().default(2),
  /** Multiplier of new action/service/resource weights for read-only calls the knowledge pack does not rate. @defaultValue 0.6 */
  readOnlyNoveltyFactor: z.number().min(0).max(1).default(0.6),
  /**
   * Largest multiplier of a novelty weight for an identity that almost never shows new values
   * (docs/baselines.md, "How surprising is new"). 1 turns the surprise scaling into a plain cap.
   * @defaultValue 2.5
   */
  maxSurprise: z.number().min(0).max(10).default(2.5),
  /** Multiplier of what-novelty by the knowledge pack's sensitivity tier of the action. */
  sensitivityFactors: z
    .strictObject({
      low: z.number().min(0).max(5).default(0.6),
      medium: z.number().min(0).max(5).default(1),
      high: z.number().min(0).max(5).default(1.5),
      critical: z.number().min(0).max(5).default(2),
    })
    .prefault({}),
  /** Half-life of the hour-of-week activity histogram. @defaultValue 14 */
  hourHalfLifeDays: z.number().positive().default(14),
  /** Share of activity below which an hour of the week counts as idle. @defaultValue 0.002 */
  unusualHourShare: z.number().min(0).max(1).default(0.002),
  /** Length of the request-rate window. @defaultValue 300 */
  rateWindowSeconds: z.number().int().positive().default(300),
  /** EWMA smoothing of per-window rate and per-event volume. @defaultValue 0.05 */
  ewmaAlpha: z.number().gt(0).lt(1).default(0.05),
  /** z-score at which rate or volume counts as a spike. @defaultValue 4 */
  spikeZ: z.number().positive().default(4),
  /** Decayed risk points (6 h half-life) below which no slow-and-low finding is raised. @defaultValue 60 */
  slowMinPoints: z.number().min(0).default(60),
  /** Events in one window below which no rate spike is raised. @defaultValue 30 */
  rateMinEvents: z.number().int().positive().default(30),
  /** Bytes below which no volume spike is raised. @defaultValue 10000000 */
  volumeMinBytes: z.number().nonnegative().default(10_000_000),
  /** Rows below which no volume spike is raised. @defaultValue 100000 */
  volumeMinRows: z.number().nonnegative().default(100_000),
  /** Window of the failure, enumeration and concurrency detectors. @defaultValue 600 */
  burstWindowSeconds: z.number().int().positive().default(600),
  /** Failed or denied calls within the burst window that make a burst. @defaultValue 5 */
  failureBurst: z.number().int().positive().default(5),
  /** Distinct new actions/services/resources within the burst window that make enumeration. @defaultValue 4 */
  enumerationNew: z.number().int().positive().default(4),
  /** Two uses of one token from different networks within this many seconds are concurrent. @defaultValue 300 */
  concurrentSeconds: z.number().int().positive().default(300),
  /** Width of the transition count-min sketch (depth is 2). @defaultValue 512 */
  sequenceSketchWidth: z.number().int().positive().default(512),
  /** Transitions an action needs as predecessor before rarity is judged. @defaultValue 30 */
  sequenceMinFrom: z.number().int().positive().default(30),
  weights: detectorWeightsSchema.prefault({}),
});

const thresholdsSchema = z.strictObject({
  alertAt: z.number().min(0).max(100).optional(),
  blockAt: z.number().min(0).max(100).optional(),
});

export const scoringSchema = z.strictObject({
  /** Risk at or above which a decision alerts. @defaultValue 50 */
  alertAt: z.number().min(0).max(100).default(50),
  /** Risk at or above which a decision blocks. @defaultValue 80 */
  blockAt: z.number().min(0).max(100).default(80),
  /** `shadow` publishes allow and records the verdict it would have given in `wouldBe`. @defaultValue 'enforce' */
  mode: z.enum(['enforce', 'shadow']).default('enforce'),
  /** Thresholds per identity class (inventory `class`), e.g. `{ ci-deployer: { blockAt: 90 } }`. */
  classes: z.record(z.string(), thresholdsSchema).default({}),
  /** Thresholds per environment (event `environment` or inventory `environment`). Class wins over environment. */
  environments: z.record(z.string(), thresholdsSchema).default({}),
  /** Cap of the points one family of findings (what / where / when / how much) can add. @defaultValue 45 */
  familyCap: z.number().min(0).max(100).default(45),
  /** Weight of the optional model score (0..1 anomaly × this). @defaultValue 30 */
  modelWeight: z.number().min(0).max(100).default(30),
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
    /** Percentile of the identity class's benign reconstruction error from which the model adds a reason. @defaultValue 99.5 */
    minPercentile: z.number().min(50).max(100).default(99.5),
    /** Percentile at which the reason carries its full weight, `scoring.modelWeight` (half of it at minPercentile). @defaultValue 99.95 */
    fullWeightPercentile: z.number().min(50).max(100).default(99.95),
  })
  .refine((m) => m.fullWeightPercentile >= m.minPercentile, {
    message: 'fullWeightPercentile must be at least minPercentile',
    path: ['fullWeightPercentile'],
  });
