/**
 * Detection on real recorded attacks: every `*.jsonl.gz` recording in a folder that has a
 * `*.labels.jsonl.gz` beside it is replayed in process (memory store, no policies, every identity
 * in an inventory owned by its cloud account: only identity, knowledge, baselines and scoring
 * decide) and scored with `warden eval --labels` figures.
 *
 * Usage: npx tsx bench/real-attacks.ts [folder=../shared/corpus/real-attacks] [--config warden.yaml]
 *        [--off CODE,CODE] (ablation: set those detector weights to 0) [--json]
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, parseConfig } from '../src/config/load.js';
import type { WardenConfig } from '../src/config/schema.js';
import type { Decision } from '../src/decisions/decision.js';
import type { WardenEvent } from '../src/events/event.js';
import { compileInventory } from '../src/identity/inventory.js';
import { createIdentityResolver } from '../src/identity/resolver.js';
import type { IdentityRecord } from '../src/identity/types.js';
import { buildPolicySet } from '../src/policy/policy-set.js';
import { createPolicyEngine } from '../src/policy/engine.js';
import { MemoryBaselineStore } from '../src/baseline/store-memory.js';
import { createDecider } from '../src/scoring/decider.js';
import { replayEvents } from '../src/pipeline/replay.js';
import { readEvents } from '../src/pipeline/read-events.js';
import { readRecords } from '../src/pipeline/file-source.js';
import { evaluateLabelled, formatLabelled } from '../src/eval/labelled.js';
import { loadKnowledgeDir } from '../src/knowledge/index.js';
import { loadSigmaDirs } from '../src/sigma/index.js';
import type { LabelledFigures, RealLabel } from '../src/eval/labelled.js';


/** An inventory that knows every identity of the recording, owned by its cloud account. */
export function inventoryFor(events: readonly WardenEvent[]): IdentityRecord[] {
  const seen = new Map<string, IdentityRecord>();
  for (const e of events) {
    const id = e.identity.id;
    if (seen.has(id)) continue;
    const account = /^arn:aws[a-z-]*:(?:iam|sts)::(\d+):/.exec(id)?.[1] ?? (typeof e.attributes?.account === 'string' ? e.attributes.account : null);
    seen.set(id, { id, owner: account ? `account-${account}` : 'unowned-service', ...(e.identity.type ? { type: e.identity.type } : {}) });
  }
  return [...seen.values()];
}

export async function decideRecording(file: string, config: WardenConfig, useKnowledge = true): Promise<Decision[]> {
  const events: WardenEvent[] = [];
  for await (const e of readEvents(file, 'auto', config.events, () => undefined)) events.push(e);
  const resolver = createIdentityResolver(compileInventory(inventoryFor(events)), { unknownIdentity: config.identity.unknownIdentity });
  const policy = createPolicyEngine(buildPolicySet([]), { mode: config.policy.mode });
  const knowledge = useKnowledge ? loadKnowledgeDir(config.knowledge.dir) : null;
  // Sigma rules of the config (docs/sigma.md), when it names folders.
  const sigma = config.sigma.dirs.length > 0 ? loadSigmaDirs(config.sigma.dirs) : null;
  const decider = createDecider({ config, resolver, policy, store: new MemoryBaselineStore(), knowledge, sigma });
  const out: Decision[] = [];
  await replayEvents(events, decider, (ds) => {
    out.push(...ds);
  }, { batchSize: 1000 });
  return out;
}

export async function readLabels(file: string): Promise<RealLabel[]> {
  const labels: RealLabel[] = [];
  for await (const { record } of readRecords(file)) labels.push(JSON.parse(record) as RealLabel);
  return labels;
}

function withDetectorsOff(config: WardenConfig, codes: readonly string[]): WardenConfig {
  if (codes.length === 0) return config;
  const weights: Record<string, number> = { ...config.baseline.weights };
  for (const c of codes) {
    if (!(c in weights)) throw new Error(`--off: unknown detector ${c}; known: ${Object.keys(weights).join(', ')}`);
    weights[c] = 0;
  }
  return { ...config, baseline: { ...config.baseline, weights: weights as WardenConfig['baseline']['weights'] } };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { config: { type: 'string' }, off: { type: 'string' }, json: { type: 'boolean' }, 'no-knowledge': { type: 'boolean' } },
  });
  const folder = positionals[0] ?? '../shared/corpus/real-attacks';
  const base = values.config ? loadConfig(values.config) : parseConfig('{}', 'defaults');
  const config = withDetectorsOff(base, values.off ? values.off.split(',').filter(Boolean) : []);
  const recordings = readdirSync(folder).filter((f) => f.endsWith('.jsonl.gz') && !f.endsWith('.labels.jsonl.gz')).sort();
  const results: Record<string, LabelledFigures> = {};
  for (const f of recordings) {
    const started = performance.now();
    const decisions = await decideRecording(join(folder, f), config, values['no-knowledge'] !== true);
    const figures = evaluateLabelled(await readLabels(join(folder, f.replace(/\.jsonl\.gz$/, '.labels.jsonl.gz'))), decisions);
    results[f] = figures;
    if (!values.json) {
      console.log(`\n== ${f}: ${decisions.length} decisions in ${((performance.now() - started) / 1000).toFixed(1)}s`);
      for (const line of formatLabelled(figures)) console.log(line);
    }
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
}
