/**
 * Wires `warden gateway --inline`: the stages `warden run` builds (inventory, hot-reloaded
 * policies and knowledge pack, model, the one decider) over a read-only, cached view of the Redis
 * baselines, and, with `gateway.inline.emit`, a producer of the gateway's audit events to the
 * input topic.
 */
import type { Kafka } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';
import type { GatewayConfig } from '../config/sections/gateway.js';
import { WardenError } from '../errors.js';
import type { WardenEvent } from '../events/event.js';
import { createNormalizer } from '../events/index.js';
import { RedisBaselineStore } from '../baseline/store-redis.js';
import { ReadOnlyBaselineStore } from '../baseline/store-readonly.js';
import type { ReadOnlyStoreStats } from '../baseline/store-readonly.js';
import type { BaselineStore } from '../baseline/store.js';
import type { Logger } from '../observability/logger.js';
import { createKafka } from '../pipeline/kafka-client.js';
import { connectRedis } from '../pipeline/redis-connection.js';
import { buildStages } from '../pipeline/stages.js';
import { createGatewayDecider } from './inline-decider.js';
import { KafkaEventEmitter } from './inline-emitter.js';
import type { EmitterStats } from './inline-emitter.js';
import type { InlineDecider } from './inline.js';
import { createProducer } from '../pipeline/safe-producer.js';

export interface InlineSetup {
  decide: InlineDecider;
  store: ReadOnlyBaselineStore;
  emitter: KafkaEventEmitter | null;
  /** Topic the gateway's audit events go to (emit on), or null. */
  emitTopic: string | null;
  /** Baseline cache and audit event counters, for the gateway's metrics. */
  stats(): InlineStats;
  close(): Promise<void>;
}

export interface InlineStats {
  cache: ReadOnlyStoreStats;
  emitter: EmitterStats | null;
}

export interface InlineSetupOptions {
  /** Baselines to read instead of the configured Redis (wrapped read-only all the same). */
  store?: BaselineStore;
  /** Kafka client for the emitter (default: one from config). */
  kafka?: Kafka;
  /** Event time of a request. @defaultValue the wall clock */
  clock?: () => Date;
  /** With `gateway.inline.emit`: hand the events to this instead of producing them to Kafka (the demo's bus). */
  emit?: (event: WardenEvent, json: string) => void;
}

/** The topic `gateway.inline.emit` produces to: `emitTopic`, else the first native-format input. */
export function emitTopicOf(config: WardenConfig, gateway: GatewayConfig): string {
  const topic = gateway.inline.emitTopic ?? config.kafka.inputs.find((i) => i.format === 'warden')?.topic;
  if (!topic) throw new WardenError('WARDEN_CONFIG_INVALID', 'gateway.inline.emit needs a topic for native events: set gateway.inline.emitTopic, or add a kafka.inputs entry with format: warden');
  return topic;
}

export async function openInlineDecider(config: WardenConfig, gateway: GatewayConfig, logger: Logger, options: InlineSetupOptions = {}): Promise<InlineSetup> {
  let inner = options.store;
  if (!inner) {
    const redis = connectRedis(config, logger);
    // A live connection has no offline queue: serve once it is ready, or at its first error or after 5 s
    // (degraded until it is), so the first requests are not decided without baselines for nothing.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      const done = (): void => {
        clearTimeout(timer);
        redis.off('ready', done);
        redis.off('error', done);
        resolve();
      };
      redis.once('ready', done);
      redis.once('error', done);
    });
    inner = new RedisBaselineStore(redis, { keyPrefix: config.redis.keyPrefix, ttlMs: config.baseline.idleTtlDays * 86_400_000 });
  }
  const store = new ReadOnlyBaselineStore(inner, { ttlMs: gateway.inline.cacheTtlMs, maxEntries: gateway.inline.cacheMaxEntries });
  const emitTopic = gateway.inline.emit && !options.emit ? emitTopicOf(config, gateway) : null;
  const stages = await buildStages(config, logger, { store });
  let emitter: KafkaEventEmitter | null = null;
  try {
    if (emitTopic !== null) {
      const kafka = options.kafka ?? createKafka(config, logger, '-gateway');
      const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }, { logger });
      await producer.connect();
      emitter = new KafkaEventEmitter({ producer, topic: emitTopic, logger });
    }
  } catch (err) {
    await stages.close();
    throw err;
  }
  const emit = options.emit ?? emitter?.emit;
  const decide = createGatewayDecider({
    decider: stages.decider,
    normalize: createNormalizer({ format: 'warden', events: config.events }),
    blockScope: config.blocks.scope,
    inline: gateway.inline,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(emit ? { emit: (event: WardenEvent, json: string) => emit(event, json) } : {}),
  });
  return {
    decide,
    store,
    emitter,
    emitTopic,
    stats: () => ({ cache: store.stats(), emitter: emitter?.stats() ?? null }),
    async close() {
      await emitter?.close();
      await stages.close();
    },
  };
}
