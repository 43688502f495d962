/**
 * One running Warden instance: the decision pipeline, its HTTP endpoints and an ordered graceful
 * close (stop fetching → finish and commit the batch in hand → close producer and consumer →
 * close the store → close HTTP). The stages (normalizers, decider, store) are built elsewhere and
 * passed in, so tests and the demo can assemble an instance the same way `warden run` does.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import type { Gauge } from 'prom-client';
import type { WardenConfig } from '../config/schema.js';
import { createSigner } from '../decisions/signing.js';
import type { Signer } from '../decisions/signing.js';
import { WardenError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { createPipelineMetrics } from '../observability/metrics.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { startHttpServer } from './http-server.js';
import { checkKafkaTls, createKafka, kafkaAuthError } from './kafka-client.js';
import type { BatchDecider, ProfileWriter, RecordNormalizer } from './ports.js';
import { DecisionPipeline } from './runner.js';
import { clusterTopicLayout, ensureTopics, topicSpecs } from './topics.js';

export interface WardenStages {
  normalizers: ReadonlyMap<string, RecordNormalizer>;
  decider: BatchDecider;
  /** Where the pipeline stores the profile updates of each published batch. */
  store: ProfileWriter;
  /** Is the baseline store reachable (for /readyz)? */
  storeHealthy: () => Promise<boolean>;
  /** Closes the store and anything else the stages hold. */
  close: () => Promise<void>;
  /** The policy version in force, and its changes (hot reload): shown in `warden_policy_info`. */
  policyVersion?: { readonly current: string; onChange(listener: (version: string) => void): void } | null;
  /** The hot-swapped learned model, when enabled: its version and backend go to /metrics. */
  model?: { readonly current: { version: string; backend: string }; onSwap(listener: (m: { version: string; backend: string }) => void): void } | null;
}

export interface WardenApp {
  pipeline: DecisionPipeline;
  metrics: PipelineMetrics;
  /** The URL of the HTTP endpoints once started ('' without them). */
  url: string;
  /** Key id of the signing key (the first 16 hex digits of its public key's SHA-256). */
  signingKeyId: string;
  stop: () => Promise<void>;
  /**
   * Settles with the error when the pipeline stopped by itself for good (a consumer crash kafkajs
   * does not recover from); the app is stopped by then. The process should exit non-zero.
   */
  failed: Promise<Error>;
}

export function readSigningKey(config: WardenConfig): string {
  try {
    return readFileSync(config.signing.privateKeyFile, 'utf8');
  } catch (cause) {
    throw new WardenError(
      'WARDEN_KEY_INVALID',
      `cannot read the signing key ${config.signing.privateKeyFile}: create one with \`warden keys generate\``,
      { cause },
    );
  }
}

export async function startWardenApp(
  config: WardenConfig,
  logger: Logger,
  stages: WardenStages,
  options: { routes?: (app: FastifyInstance) => void; metrics?: PipelineMetrics; /** Serve /metrics, /healthz, /readyz. @defaultValue true */ http?: boolean } = {},
): Promise<WardenApp> {
  // A start that fails half way closes what it opened (the store's connection would otherwise keep
  // the process alive) and says what to fix when the cause is configuration.
  const failStart = async (err: unknown, opened: { pipeline?: DecisionPipeline; http?: FastifyInstance } = {}): Promise<never> => {
    await opened.pipeline?.abort();
    await opened.http?.close();
    await stages.close().catch(() => undefined);
    throw kafkaAuthError(err, config) ?? err;
  };
  const metrics = options.metrics ?? createPipelineMetrics();
  let signer: Signer;
  let kafka: Kafka;
  try {
    signer = createSigner(readSigningKey(config), { batchSize: config.signing.batchSize });
    kafka = createKafka(config, logger);
  } catch (err) {
    return failStart(err);
  }
  // Info gauges: one series (value 1) with the labels in force, replaced at each change.
  const showInfo = <L extends string>(gauge: Gauge<L>, labels: Record<L, string>): void => {
    gauge.reset();
    gauge.set(labels, 1);
  };
  if (stages.policyVersion) {
    const show = (version: string): void => showInfo(metrics.policyVersion, { version });
    show(stages.policyVersion.current);
    stages.policyVersion.onChange(show);
  }
  if (stages.model) {
    const show = (m: { version: string; backend: string }): void => showInfo(metrics.modelInfo, { version: m.version, backend: m.backend });
    show(stages.model.current);
    stages.model.onSwap(show);
  }
  await checkKafkaTls(config).catch((err: unknown) => failStart(err));
  if (config.kafka.createTopics) await createConfiguredTopics(config, kafka, logger).catch((err: unknown) => failStart(err));
  const pipeline = new DecisionPipeline({ config, kafka, normalizers: stages.normalizers, decider: stages.decider, store: stages.store, signer, logger, metrics });
  // A pipeline thread (`pipeline.threads` > 1) has no endpoints of its own: the host thread serves them for all.
  const http =
    options.http === false
      ? null
      : await startHttpServer({
          host: config.pipeline.http.host,
          port: config.pipeline.http.port,
          registry: metrics.registry,
          readiness: [
            { name: 'kafka', check: () => pipeline.ready },
            { name: 'store', check: stages.storeHealthy },
          ],
          routes: options.routes,
        }).catch((err: unknown) => failStart(err));
  if (http) logger.info({ url: http.url, signingKeyId: signer.keyId }, 'warden listening');
  try {
    await pipeline.start();
  } catch (err) {
    return failStart(err, { pipeline, ...(http ? { http: http.app } : {}) });
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('stopping: finishing the batch in hand');
      await pipeline.stop();
      await stages.close();
      await http?.app.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  const failed = new Promise<Error>((resolve) => {
    pipeline.onFatal = (err) => {
      logger.fatal({ err }, 'the consumer stopped and cannot restart itself; shutting down');
      void stop()
        .catch((stopErr: unknown) => logger.error({ err: stopErr }, 'error while stopping'))
        .finally(() => resolve(err));
    };
  });
  return { pipeline, metrics, url: http?.url ?? '', signingKeyId: signer.keyId, stop, failed };
}

/** Creates the configured topics that are missing (`kafka.createTopics`), sized for the cluster. */
export async function createConfiguredTopics(config: WardenConfig, kafka: Kafka, logger: Logger): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const created = await ensureTopics(admin, topicSpecs(config, await clusterTopicLayout(admin, config)));
    if (created.length > 0) logger.info({ topics: created }, 'created missing topics');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
