/**
 * Assembles a running console: auth (refusing to start without any), the Kafka feed into the
 * bounded indexes, the baseline store, the inventory, the verifier of decisions and block records,
 * a signer and producer for operator records, and the HTTP server. `close()` stops them in order.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Admin, Producer } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';
import { RedisBaselineStore } from '../baseline/store-redis.js';
import type { BlockRecord } from '../decisions/block-record.js';
import { createSigner, createVerifier } from '../decisions/signing.js';
import type { Signer } from '../decisions/signing.js';
import { publishBlockRecords } from '../enforcer/operator-records.js';
import { WardenError } from '../errors.js';
import type { Inventory } from '../identity/inventory.js';
import { loadInventory } from '../identity/load.js';
import type { Logger } from '../observability/logger.js';
import { createKafka, kafkaAuthError } from '../pipeline/kafka-client.js';
import { connectRedis } from '../pipeline/redis-connection.js';
import { consoleAuthFrom } from './auth.js';
import { BlockView } from './block-view.js';
import { DecisionIndex } from './decision-index.js';
import { EventCache } from './event-cache.js';
import { ConsoleFeed } from './feed.js';
import { LiveHub } from './live.js';
import type { LagRow } from './pages/health.js';
import { buildConsoleServer } from './server.js';
import { createProducer } from '../pipeline/safe-producer.js';

export interface ConsoleStartOptions {
  /** Overrides `console.listen`. */
  listen?: { host: string; port: number };
  /** Trusted public keys (PEM) besides / instead of `signing.publicKeyFile` (a key rotation). */
  publicKeys?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface RunningConsole {
  url: string;
  index: DecisionIndex;
  feed: ConsoleFeed;
  close(): Promise<void>;
}

function readKey(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WardenError('WARDEN_KEY_INVALID', `cannot read the ${what} ${file}`, { cause });
  }
}

/** The inventory, re-read when its file changes; null (and a warning) when it cannot be read. */
function inventoryLoader(file: string, logger: Logger): () => Inventory | null {
  let current: Inventory | null = null;
  let mtime = -1;
  return () => {
    try {
      const m = statSync(file).mtimeMs;
      if (m !== mtime) {
        current = loadInventory(file);
        mtime = m;
      }
    } catch (err) {
      if (mtime !== -2) logger.warn({ err: { message: (err as Error).message }, file }, 'console cannot read the identity inventory');
      mtime = -2;
    }
    return current;
  };
}

export async function startConsole(config: WardenConfig, logger: Logger, options: ConsoleStartOptions = {}): Promise<RunningConsole> {
  const log = logger.child({ component: 'console' });
  const auth = consoleAuthFrom(config.console, options.env ?? process.env);
  const verifier = createVerifier(options.publicKeys && options.publicKeys.length > 0 ? options.publicKeys : [readKey(config.signing.publicKeyFile, 'public key (signing.publicKeyFile)')]);
  let signer: Signer | null = null;
  let signerProblem = '';
  try {
    signer = createSigner(readKey(config.signing.privateKeyFile, 'signing key (signing.privateKeyFile)'));
  } catch (err) {
    signerProblem = (err as Error).message;
    log.warn({ problem: signerProblem }, 'no signing key: the console can show but not block or lift');
  }
  const c = config.console;
  const index = new DecisionIndex({ maxDecisions: c.maxDecisions, perIdentityDecisions: c.perIdentityDecisions, maxIdentities: c.maxIdentities });
  const blocks = new BlockView(verifier);
  const events = c.eventCacheSize > 0 ? new EventCache(c.eventCacheSize) : null;
  const live = new LiveHub(index, c.liveMaxPerSecond);
  const kafka = createKafka(config, logger, '-console');
  const feed = new ConsoleFeed({ kafka, config, index, blocks, events, onDecision: (e) => live.publish(e), logger: log, verifier });
  const redis = connectRedis(config, log);
  const store = new RedisBaselineStore(redis, { keyPrefix: config.redis.keyPrefix, ttlMs: config.baseline.idleTtlDays * 86_400_000 });
  let producer: Producer | null = null;
  let admin: Admin | null = null;
  const closeAll = async (): Promise<void> => {
    live.close();
    await feed.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await store.close().catch(() => undefined);
  };
  try {
    // The default partitioner, as `warden block` uses: one key lands on one partition whoever publishes it.
    producer = createProducer(kafka, { allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 }, { logger: log });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = [config.kafka.topics.decisions, config.kafka.topics.blocks, ...(events ? config.kafka.inputs.map((i) => i.topic) : [])].filter((t) => !existing.has(t));
    if (missing.length > 0) throw new WardenError('WARDEN_USAGE', `the console reads topics that do not exist: ${missing.join(', ')}`, { hint: 'create them with `warden topics create` (or start `warden run`, which creates them), or fix kafka.topics / kafka.inputs' });
    await feed.start();
  } catch (err) {
    await closeAll();
    if (err instanceof WardenError) throw err;
    throw kafkaAuthError(err, config) ?? new WardenError('WARDEN_KAFKA_UNAVAILABLE', `the console cannot read from Kafka at ${config.kafka.brokers.join(',')}: ${(err as Error).message}`, { cause: err, retriable: true });
  }
  const connectedAdmin = admin;
  const connectedProducer = producer;
  const inputs = config.kafka.inputs.map((i) => i.topic);
  const app = await buildConsoleServer({
    config,
    auth,
    index,
    blocks,
    events,
    live,
    store,
    inventory: inventoryLoader(config.identity.inventory, log),
    verifier,
    publishBlock: async (record: BlockRecord) => {
      if (!signer) throw new WardenError('WARDEN_KEY_INVALID', `the console has no signing key: ${signerProblem}`);
      const [signed] = await publishBlockRecords(connectedProducer, config.kafka.topics.blocks, signer, [record]);
      if (!signed) throw new WardenError('WARDEN_KAFKA_UNAVAILABLE', 'the record was not published');
      return signed;
    },
    health: {
      pipelineLag: async () => {
        const committed = await connectedAdmin.fetchOffsets({ groupId: config.kafka.groupId, topics: inputs });
        const rows: LagRow[] = [];
        for (const t of committed) {
          const ends = await connectedAdmin.fetchTopicOffsets(t.topic);
          for (const p of t.partitions) {
            const high = ends.find((e) => e.partition === p.partition)?.high ?? '0';
            const position = p.offset === '-1' ? 'none' : p.offset;
            rows.push({ topic: t.topic, partition: p.partition, position, high, lag: Number(BigInt(high) - BigInt(p.offset === '-1' ? '0' : p.offset)) });
          }
        }
        return rows.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
      },
      consoleLag: () => feed.lag().map((p) => ({ topic: p.topic, partition: p.partition, position: p.next, high: p.high, lag: p.lag })),
      consoleReady: () => feed.ready,
      malformedDecisions: () => feed.malformedDecisions,
      storeReachable: async () => (await redis.ping().catch(() => null)) === 'PONG',
    },
    logger: log,
  });
  const listen = options.listen ?? c.listen;
  let url: string;
  try {
    url = await app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    await closeAll();
    throw new WardenError('WARDEN_USAGE', `the console cannot listen on ${listen.host}:${listen.port}: ${(err as Error).message}`, { cause: err });
  }
  log.info({ url }, 'console listening');
  return {
    url,
    index,
    feed,
    close: async () => {
      live.close();
      await app.close();
      await closeAll();
    },
  };
}
