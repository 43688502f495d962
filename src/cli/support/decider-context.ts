/**
 * What the deciding tools (`explain`, `policy test`, `policy diff`) share with `replay` and `run`:
 * the one decider of src/scoring/decider.ts — identity, policy, technique knowledge, baseline,
 * thresholds, model and failMode — built from the same config, inventory, policies and knowledge
 * pack. A trace records what each stage said about each event, so a tool can show every stage's
 * contribution without deciding twice.
 */
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import type { WardenConfig } from '../../config/schema.js';
import type { WardenEvent } from '../../events/event.js';
import type { FeedbackRecord } from '../../baseline/feedback.js';
import type { BaselineStore } from '../../baseline/store.js';
import type { IdentityProfile } from '../../baseline/profile.js';
import { loadInventory } from '../../identity/load.js';
import type { Inventory } from '../../identity/inventory.js';
import type { IdentityResolution, IdentityResolver } from '../../identity/types.js';
import { createIdentityResolver } from '../../identity/resolver.js';
import { createPolicyEngine } from '../../policy/engine.js';
import type { PolicyEngineOptions } from '../../policy/engine.js';
import type { PolicyEngine, PolicyEvaluation } from '../../policy/types.js';
import type { PolicySet } from '../../policy/compiled.js';
import { loadKnowledgeDir } from '../../knowledge/index.js';
import type { KnowledgePack, TechniqueHit } from '../../knowledge/types.js';
import { loadSigmaDirs } from '../../sigma/index.js';
import type { SigmaHit, SigmaRuleSet } from '../../sigma/index.js';
import { createDecider } from '../../scoring/decider.js';
import type { Decider } from '../../scoring/decider.js';
import type { ModelScorer } from '../../scoring/model-port.js';
import { openModelStage } from '../../pipeline/model-stage.js';
import { silentLogger } from '../../observability/logger.js';
import { WardenError } from '../../errors.js';
import { readJsonLines } from './json-lines.js';

export interface DeciderFlags {
  config?: string;
  identities?: string;
  knowledge?: string;
  sigma?: string[];
}

/** Collects a repeatable folder flag. */
export const collectDirs = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Adds `--config`, `--identities` and `--knowledge` to a deciding command (the flags of replay). */
export function withDeciderFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', 'warden.yaml', DEFAULT_CONFIG_FILE)
    .option('--identities <file>', 'identity inventory (default: identity.inventory of the config)')
    .option('--knowledge <dir>', 'technique knowledge pack folder (default: knowledge.dir of the config)')
    .option('--sigma <dir>', 'Sigma rule folder, repeatable (default: sigma.dirs of the config)', collectDirs);
}

export interface DeciderSetup {
  config: WardenConfig;
  inventoryFile: string;
  knowledge: KnowledgePack;
  sigma: SigmaRuleSet;
}

export function deciderSetup(flags: DeciderFlags): DeciderSetup {
  const config = loadConfig(flags.config ?? DEFAULT_CONFIG_FILE);
  return {
    config,
    inventoryFile: flags.identities ?? config.identity.inventory,
    knowledge: loadKnowledgeDir(flags.knowledge ?? config.knowledge.dir),
    sigma: loadSigmaDirs(flags.sigma ?? config.sigma.dirs),
  };
}

/** The model of the config when enabled (fixed: no hot swap while a tool runs), as replay opens it. */
export async function openModel(config: WardenConfig): Promise<{ scorer: ModelScorer | null; version: string | null; close: () => Promise<void> }> {
  const stage = await openModelStage(config, silentLogger, { watch: false });
  if (!stage) return { scorer: null, version: null, close: async () => undefined };
  return { scorer: stage.port, version: stage.port.version, close: async () => stage.holder.dispose() };
}

/** What the identity, policy and knowledge stages said about one event. */
export interface StageTrace {
  identity?: IdentityResolution;
  evaluation?: PolicyEvaluation;
  hits: readonly TechniqueHit[];
  /** Sigma rules that matched (weighing or not). */
  sigma?: readonly SigmaHit[];
}

export interface TracedDecider extends Decider {
  /** The stages' findings for an event object this decider decided (its latest decision of it). */
  trace(event: WardenEvent): StageTrace | undefined;
  readonly policyVersion: string;
}

export interface DeciderParts {
  config: WardenConfig;
  inventory: Inventory;
  policies: PolicySet;
  knowledge: KnowledgePack | null;
  sigma?: SigmaRuleSet | null;
  store: BaselineStore;
  model: ModelScorer | null;
  feedback?: readonly FeedbackRecord[];
  engineOptions?: Omit<PolicyEngineOptions, 'mode'>;
}

/** The decider of replay and run (`createDecider`), with fresh resolver and policy state, traced. */
export function createTracedDecider(parts: DeciderParts): TracedDecider {
  const traces = new WeakMap<WardenEvent, StageTrace>();
  const traceOf = (event: WardenEvent): StageTrace => {
    let t = traces.get(event);
    if (!t) traces.set(event, (t = { hits: [] }));
    return t;
  };
  const resolver = createIdentityResolver(parts.inventory, { unknownIdentity: parts.config.identity.unknownIdentity });
  const engine = createPolicyEngine(parts.policies, { ...parts.engineOptions, mode: parts.config.policy.mode });
  const tracedResolver: IdentityResolver = {
    resolve(event) {
      const r = resolver.resolve(event);
      const t = traceOf(event);
      t.identity = r;
      t.hits = [];
      delete t.sigma;
      delete t.evaluation;
      return r;
    },
  };
  const tracedPolicy: PolicyEngine = {
    version: engine.version,
    evaluate(event, identity) {
      const e = engine.evaluate(event, identity);
      traceOf(event).evaluation = e;
      return e;
    },
  };
  const pack = parts.knowledge;
  const tracedKnowledge: KnowledgePack | null = pack
    ? {
        version: pack.version,
        size: pack.size,
        classify(event) {
          const known = pack.classify(event);
          traceOf(event).hits = known.hits;
          return known;
        },
        match: (event) => pack.match(event),
        sensitivity: (event) => pack.sensitivity(event),
      }
    : null;
  const rules = parts.sigma ?? null;
  const tracedSigma: SigmaRuleSet | null = rules
    ? {
        version: rules.version,
        rules: rules.rules,
        skipped: rules.skipped,
        match(event) {
          const hits = rules.match(event);
          traceOf(event).sigma = hits;
          return hits;
        },
      }
    : null;
  const decider = createDecider({
    config: parts.config,
    sigma: tracedSigma,
    resolver: tracedResolver,
    policy: tracedPolicy,
    store: parts.store,
    model: parts.model,
    knowledge: tracedKnowledge,
    ...(parts.feedback ? { feedback: parts.feedback } : {}),
  });
  return { ...decider, trace: (event) => traces.get(event), policyVersion: engine.version };
}

/** Profiles written by `warden replay --profiles-out` (one JSON profile a line). */
export async function readProfilesFile(file: string): Promise<IdentityProfile[]> {
  let profiles: unknown[];
  try {
    profiles = await readJsonLines<unknown>(file);
  } catch (cause) {
    if (cause instanceof WardenError) throw cause;
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `${file} is not a profiles file written by \`warden replay --profiles-out\`: ${(cause as Error).message}`, { cause });
  }
  profiles.forEach((p, i) => {
    const ok = p !== null && typeof p === 'object' && (p as { v?: unknown }).v === 1 && typeof (p as { identity?: unknown }).identity === 'string' && typeof (p as { events?: unknown }).events === 'number';
    if (!ok) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `${file}: profile ${i + 1} is not a baseline profile (written by \`warden replay --profiles-out\`)`);
  });
  return profiles as IdentityProfile[];
}

export { loadInventory };
