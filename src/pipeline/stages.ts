/**
 * Builds the stages a live instance runs (normalizers per input topic, identity resolver, hot-
 * reloaded policies, Redis baseline store, decider) from config. `warden run`, the demo and the
 * benchmarks assemble an instance through this one function.
 */
import type { WardenConfig } from '../config/schema.js';
import { createNormalizer } from '../events/index.js';
import { loadInventory } from '../identity/load.js';
import { createIdentityResolver } from '../identity/resolver.js';
import type { Logger } from '../observability/logger.js';
import type { PolicyEngine } from '../policy/types.js';
import { RedisBaselineStore } from '../baseline/store-redis.js';
import type { BaselineStore } from '../baseline/store.js';
import { createDecider } from '../scoring/decider.js';
import type { Decider } from '../scoring/decider.js';
import type { WardenStages } from './app.js';
import { PolicyReloader } from './policy-reloader.js';
import { KnowledgeReloader } from './knowledge-reloader.js';
import { SigmaReloader } from './sigma-reloader.js';
import type { RecordNormalizer } from './ports.js';
import { connectRedis, redisStoreOptions } from './redis-connection.js';
import { openModelStage } from './model-stage.js';
import { followGrants } from '../approvals/follower.js';
import { createKafka } from './kafka-client.js';
import { LearningBuffer } from './learning-buffer.js';

export interface StageOverrides {
  inventory?: string;
  policyDir?: string;
  knowledgeDir?: string;
  /** Use this store instead of Redis (the demo's embedded mode, tests). */
  store?: BaselineStore;
  /** Follow the approvals topic so the decider honours grants (`warden run`). @defaultValue false */
  followApprovals?: boolean;
}

export interface BuiltStages extends WardenStages {
  /** The whole decider: the pipeline needs `decide`; the inline gateway and the demo decide and store at once. */
  decider: Decider;
  policies: PolicyReloader;
  knowledge: KnowledgeReloader;
  sigma: SigmaReloader;
  reload: () => void;
}

export async function buildStages(config: WardenConfig, logger: Logger, overrides: StageOverrides = {}): Promise<BuiltStages> {
  const inventory = loadInventory(overrides.inventory ?? config.identity.inventory);
  const resolver = createIdentityResolver(inventory, { unknownIdentity: config.identity.unknownIdentity });
  const policies = new PolicyReloader({ dir: overrides.policyDir ?? config.policy.dir, mode: config.policy.mode, logger });
  policies.watch();
  // The decider reads the engine in force for every event, so a reload applies from the next batch on.
  const policy: PolicyEngine = {
    get version() {
      return policies.engine.version;
    },
    evaluate: (event, identity) => policies.engine.evaluate(event, identity),
  };
  // Like policies: a bad change to the knowledge pack is refused and the running pack keeps deciding.
  const knowledge = new KnowledgeReloader({ dir: overrides.knowledgeDir ?? config.knowledge.dir, logger });
  knowledge.watch();
  // Sigma rules too (docs/sigma.md); skipped rules are logged with their reason at every load.
  const sigma = new SigmaReloader({ dirs: config.sigma.dirs, logger });
  sigma.watch();
  const redis = overrides.store ? null : connectRedis(config, logger);
  const store = overrides.store ?? new RedisBaselineStore(redis!, redisStoreOptions(config));
  const model = await openModelStage(config, logger);
  const grants = overrides.followApprovals ? followGrants(createKafka(config, logger, '-approvals'), config.kafka.topics.approvals, config.signing.publicKeyFile, logger) : null;
  // With pipeline.storeIntervalMs > 0 (the default), `warden run` learns through the buffer and the decider loads
  // through it too, so that a partition's next batch decides on the profiles it holds.
  const learning = config.pipeline.storeIntervalMs > 0 ? new LearningBuffer(store, { intervalMs: config.pipeline.storeIntervalMs }) : null;
  const decider = createDecider({ config, resolver, policy, store: learning ?? store, clock: () => new Date(), model: model?.port ?? null, knowledge: () => knowledge.pack, sigma: () => sigma.rules, grants });
  const normalizers = new Map<string, RecordNormalizer>();
  for (const input of config.kafka.inputs) normalizers.set(input.topic, createNormalizer({ format: input.format, events: config.events, keepOriginal: config.sigma.dirs.length > 0 }));
  logger.info({ policyVersion: policies.version, knowledgeVersion: knowledge.version, sigmaVersion: sigma.version, identities: config.identity.inventory, inputs: config.kafka.inputs }, 'stages ready');
  return {
    normalizers,
    decider,
    store: learning ?? store,
    policies,
    knowledge,
    sigma,
    model: model?.holder ?? null,
    policyVersion: {
      get current() {
        return policies.version;
      },
      onChange: (listener) => void policies.on('reload', (version) => listener(version)),
    },
    reload: () => {
      policies.reload();
      knowledge.reload();
      sigma.reload();
    },
    storeHealthy: async () => (redis ? (await redis.ping().catch(() => null)) === 'PONG' : true),
    close: async () => {
      policies.close();
      knowledge.close();
      sigma.close();
      await model?.holder.dispose();
      await store.close();
      await grants?.close();
    },
  };
}
