import { z } from 'zod';

/** A secret given inline, from an environment variable, or from a file (never logged). */
export const secretSchema = z.union([
  z.string().min(1),
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ file: z.string().min(1) }),
]);
export type SecretRef = z.infer<typeof secretSchema>;

export const tlsSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** PEM file of the CA that signed the server certificate. */
    caFile: z.string().optional(),
    /** Client certificate and key for mutual TLS. */
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
  }),
]);

export const kafkaSchema = z.strictObject({
  /** @defaultValue ['127.0.0.1:9092'] — overridden by WARDEN_KAFKA_BROKERS (comma separated). */
  brokers: z.array(z.string().min(1)).min(1).default(['127.0.0.1:9092']),
  clientId: z.string().default('warden'),
  groupId: z.string().default('warden'),
  /** Create missing input, decisions, blocks and DLQ topics at start (`warden topics create` does it explicitly). */
  createTopics: z.boolean().default(true),
  /**
   * How long the group waits for a silent member before giving its partitions to others: after a
   * crash (`kill -9`, a lost host) this is most of the time its partitions go undecided. 6 s is
   * the broker's floor (`group.min.session.timeout.ms`); with heartbeats every second, a member
   * must miss six in a row to be dropped, and batches heartbeat while they wait on Redis or the
   * producer, so a slow batch does not cost a rebalance. Measured here (test/integration/
   * recovery.test.ts): the survivor decides the dead member's partitions again 5.8–6.1 s after
   * the kill with 6 s, 30.4–30.7 s with kafkajs' 30 s default. kafkajs has no static membership
   * (`group.instance.id`, KIP-345) to let a restarted instance take its partitions back without
   * waiting, so a short session is the lever. Raise it when instances stall for longer than this
   * (a hard CPU limit with long GC pauses). @defaultValue 6000
   */
  sessionTimeoutMs: z.number().int().min(6000).max(300_000).default(6000),
  /**
   * How often a member tells the group coordinator it is alive, and learns of a rebalance. Must be
   * below a third of `sessionTimeoutMs`, so that losing two heartbeats costs nothing.
   * @defaultValue 1000
   */
  heartbeatIntervalMs: z.number().int().min(100).max(100_000).default(1000),
  /**
   * How old the client's cluster metadata (which broker leads which partition) may get before it
   * is fetched again. kafkajs' 5-minute default keeps a consumer fetching from a broker that died
   * (connection refused, over and over) until then: in test/integration/kafka-cluster.test.ts the
   * stream stopped for minutes after the partition leader's broker was killed. One metadata
   * request every 5 s is cheap and moves fetches and produce requests to the new leader within
   * seconds. @defaultValue 5000
   */
  metadataMaxAgeMs: z.number().int().min(1000).max(600_000).default(5000),
  /**
   * The least data (bytes) the broker gathers for a fetch before it answers, and the longest it
   * waits for it (`fetch.min.bytes`, `fetch.max.wait.ms`). The defaults answer as soon as anything
   * is there: the lowest latency, but at a steady rate each fetch then brings a few events per
   * partition, and a batch costs about the same CPU (its signature, a produce request, the Kafka
   * client's work) whether it holds 3 events or 30. Measured on a 2-core machine (BENCHMARKS.md,
   * "Live pipeline"): 65536 bytes / 50 ms took 42 % less CPU per event at 1k events/s and 23 % less
   * at 5k/s, for a median latency of ~50 and ~28 ms instead of 8–20. The wait is at most a
   * second: the member heartbeats between fetches, and a longer wait would eat into
   * `sessionTimeoutMs`. The least data is at most 1 MiB, what the client reads of a partition per fetch.
   * @defaultValue 1 byte, 50 ms
   */
  fetchMinBytes: z.number().int().min(1).max(1_048_576).default(1),
  fetchMaxWaitMs: z.number().int().min(0).max(1000).default(50),
  /**
   * Replicas of each topic Warden creates. @defaultValue the cluster's live brokers, up to 3
   * (`warden topics create` and the start-up creation ask the cluster).
   */
  replicationFactor: z.number().int().min(1).optional(),
  /** `min.insync.replicas` of each topic Warden creates. @defaultValue 2 when 3 or more replicas, else the broker's */
  minInSyncReplicas: z.number().int().min(1).optional(),
  tls: tlsSchema.default(false),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: secretSchema,
    })
    .optional(),
  /** Input topics and the audit format each carries (`auto` detects per record). */
  inputs: z
    .array(z.strictObject({ topic: z.string().min(1), format: z.string().default('auto') }))
    .min(1)
    .default([{ topic: 'audit.events', format: 'auto' }]),
  topics: z
    .strictObject({
      decisions: z.string().default('warden.decisions'),
      blocks: z.string().default('warden.blocks'),
      dlq: z.string().default('warden.dlq'),
      /** Compacted: the current state of every approval request, keyed by request id. */
      approvals: z.string().default('warden.approvals'),
      /** Every approval transition, kept (retention -1). */
      audit: z.string().default('warden.audit'),
      /** OCSF Detection Findings written by `warden sinks` (docs/ocsf.md). */
      findings: z.string().default('warden.findings'),
    })
    .prefault({}),
}).superRefine((kafka, ctx) => {
  if (kafka.heartbeatIntervalMs * 3 > kafka.sessionTimeoutMs) {
    ctx.addIssue({ code: 'custom', path: ['heartbeatIntervalMs'], message: `must be at most a third of sessionTimeoutMs (${kafka.sessionTimeoutMs}), or missing two heartbeats drops the member` });
  }
  if (kafka.replicationFactor !== undefined && kafka.minInSyncReplicas !== undefined && kafka.minInSyncReplicas > kafka.replicationFactor) {
    ctx.addIssue({ code: 'custom', path: ['minInSyncReplicas'], message: `must not exceed replicationFactor (${kafka.replicationFactor}): no write could ever succeed` });
  }
});

export const redisSchema = z.strictObject({
  /** @defaultValue 'redis://127.0.0.1:6379' — overridden by WARDEN_REDIS_URL. */
  url: z.string().default('redis://127.0.0.1:6379'),
  password: secretSchema.optional(),
  tls: tlsSchema.default(false),
  /** Prefix of every key Warden writes, so several deployments can share one Redis. */
  keyPrefix: z.string().default('warden'),
  /**
   * A Redis Cluster instead of one Redis: `nodes` are seed nodes (`host:port`, IPv6 as
   * `[::1]:7001`); the rest of the cluster is discovered from them, and `url` is then not used
   * (`password` and `tls` apply to every node). Overridden by WARDEN_REDIS_CLUSTER_NODES
   * (comma separated). @defaultValue [] (one Redis at `url`)
   */
  cluster: z
    .strictObject({
      nodes: z
        .array(
          z
            .string()
            .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/, 'must be host:port (IPv6 as [addr]:port)')
            .refine((s) => {
              const port = Number(s.slice(s.lastIndexOf(':') + 1));
              return port >= 1 && port <= 65_535;
            }, 'port must be 1..65535'),
        )
        .default([]),
    })
    .prefault({}),
  /**
   * A live instance counts a command without an answer after this long as Redis being unavailable
   * (decisions follow `pipeline.failMode` until it answers again). Batch tools wait instead.
   */
  commandTimeoutMs: z.number().int().positive().default(5000),
  /**
   * Replicas that must acknowledge a batch's baseline writes (Redis `WAIT`) before its offsets are
   * committed; a batch they do not acknowledge in `replicaAckTimeoutMs` is stored again. Replication
   * is asynchronous, so with 0 a master that crashes just after a write may lose it to the replica
   * promoted in its place. @defaultValue 0
   */
  replicaAcks: z.number().int().min(0).max(16).default(0),
  /** @defaultValue 1000 */
  replicaAckTimeoutMs: z.number().int().positive().default(1000),
});
