import { z } from 'zod';

export const pipelineSchema = z.strictObject({
  /** Upper bound on events decided in one batch (one Redis round trip, one model call). */
  maxBatchSize: z.number().int().positive().default(1000),
  /** Batches in flight before partitions are paused (backpressure). */
  maxInFlightBatches: z.number().int().positive().default(2),
  /**
   * Pipeline threads in one `warden run` process. Each thread is a whole instance (consumer-group
   * member, producer, Redis connection, stages), as if that many processes ran: partitions are
   * shared among them, so more threads than input partitions leave some idle. More than 1 lets one
   * process use several cores; the HTTP endpoints sum the threads' metrics. @defaultValue 1
   */
  threads: z.number().int().min(1).max(64).default(1),
  /**
   * Least time between two offset commit requests of `warden run`. Batches completed meanwhile
   * are committed together (each only once published and learned); after a crash, at most this
   * long of completed batches is read again (same decision ids, learned once; their dead letters
   * are published again). 0 (default) commits as soon as the previous commit is answered, the
   * batches completed meanwhile together. @defaultValue 0
   */
  commitIntervalMs: z.number().int().min(0).max(60_000).default(0),
  /**
   * Longest time the learning of a partition's published batches is held in memory before it is
   * written to the baseline store (`src/pipeline/learning-buffer.ts`); 0 writes it with every
   * batch. The partition's next batches decide on the profiles held, and their offsets are
   * committed once the write that covers them is done, so a crash loses nothing but this long of
   * batches to read again (decided again with the same ids, learned once); a write refused because
   * Redis went away has the partition read again from its last commit, as with 0. At a steady low
   * rate it takes most of the store's cost off each batch (BENCHMARKS.md). @defaultValue 250
   */
  storeIntervalMs: z.number().int().min(0).max(60_000).default(250),
  /**
   * What to do when the baseline store is unavailable: `open` decides on policy only and marks
   * decisions degraded; `closed` alerts or blocks actions that a policy protects.
   */
  failMode: z.enum(['open', 'closed']).default('open'),
  /**
   * Upper bound on one produce request (decisions, blocks and dead letters of a batch are split to
   * fit). Keep it below the broker's `message.max.bytes` (1 MiB by default). @defaultValue 524288
   */
  maxProduceBytes: z.number().int().min(16 * 1024).default(512 * 1024),
  /** HTTP server for /metrics, /healthz, /readyz and /v1/check. */
  http: z
    .strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9464) })
    .prefault({}),
  /**
   * The consumer watchdog (src/pipeline/watchdog.ts): when the lag of this instance's partitions
   * grows while it completes no batch for `stallSeconds`, the consumer is restarted
   * (`warden_consumer_restarts_total{reason="watchdog"}`); a restart that does not finish within
   * the same time exits the process for its supervisor. 0 turns it off. Long enough that a broker
   * failover (seconds) or a Redis outage (batches go on in failMode) never trips it.
   * @defaultValue 60
   */
  watchdog: z.strictObject({ stallSeconds: z.number().min(0).max(3600).default(60) }).prefault({}),
});

export const loggingSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const signingSchema = z.strictObject({
  /** PEM (PKCS#8) Ed25519 private key used to sign decisions and block records. */
  privateKeyFile: z.string().default('.warden/keys/warden.key'),
  /** PEM (SPKI) Ed25519 public key enforcers verify with. */
  publicKeyFile: z.string().default('.warden/keys/warden.pub'),
  /**
   * Decisions signed together by `warden run`: one Ed25519 signature over the Merkle root of up to
   * this many decisions, each carrying its inclusion proof. 1 signs every decision on its own
   * (about 25k signatures/s per core). Block records are always signed one by one. @defaultValue 64
   */
  batchSize: z.number().int().min(1).max(4096).default(64),
});

export const decisionsSchema = z.strictObject({
  /**
   * How plain allow decisions are published on the decisions topic (alerts, blocks and shadow-mode
   * allows that would have been more are always published in full, each verifiable on its own):
   * `compact` (event id, decision id, identity, verdict, risk, policy and model versions; covered
   * by the batch's signed manifest record), `full` (the whole decision with reasons and its own
   * inclusion proof), or `none` (not published; the batch manifest counts them). @defaultValue 'compact'
   */
  allow: z.enum(['compact', 'full', 'none']).default('compact'),
});

export const blocksSchema = z.strictObject({
  /** How long an automatic block lasts unless renewed by another block decision. @defaultValue 3600 */
  ttlSeconds: z.number().int().positive().default(3600),
  /** Block the whole identity, or only the credential (token) used in the blocked event when known. */
  scope: z.enum(['identity', 'token']).default('identity'),
});
