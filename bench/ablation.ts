/**
 * Ablation: each detector (or detector group) switched off in turn, on the simulator (classic
 * regression seeds and the varied scenario) and on the labelled real recordings, next to the full
 * configuration. Shows what each part adds and what it costs in false positives.
 *
 * Usage: npx tsx bench/ablation.ts [folder=../shared/corpus/real-attacks] [--classic 3] [--varied 3] [--only name,name]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load.js';
import type { WardenConfig } from '../src/config/schema.js';
import { compileInventory } from '../src/identity/inventory.js';
import { createIdentityResolver } from '../src/identity/resolver.js';
import { runScenario } from '../src/simulator/scenarios.js';
import type { ScenarioName } from '../src/simulator/scenarios.js';
import { buildPolicySet } from '../src/policy/policy-set.js';
import { createPolicyEngine } from '../src/policy/engine.js';
import { decideSimulation, scoreDecisions } from '../src/eval/run.js';
import { evaluateDetection } from '../src/eval/evaluate.js';
import { evaluateLabelled } from '../src/eval/labelled.js';
import { loadKnowledgeDir } from '../src/knowledge/index.js';
import type { KnowledgePack } from '../src/knowledge/index.js';
import { decideRecording, readLabels } from './real-attacks.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { classic: { type: 'string', default: '3' }, varied: { type: 'string', default: '3' }, only: { type: 'string' } },
});
const folder = positionals[0] ?? '../shared/corpus/real-attacks';

interface Variant {
  name: string;
  what: string;
  yaml: string;
  knowledge: boolean;
}

const weightsOff = (...codes: string[]): string => `baseline: { weights: { ${codes.map((c) => `${c}: 0`).join(', ')} } }`;

const VARIANTS: Variant[] = [
  { name: 'full', what: 'everything on (defaults)', yaml: '{}', knowledge: true },
  { name: 'no-knowledge', what: 'technique knowledge pack off', yaml: '{}', knowledge: false },
  { name: 'no-peers', what: 'no peer baselines in the learning period', yaml: 'baseline: { peers: false }', knowledge: true },
  { name: 'no-surprise', what: 'novelty not scaled up by surprise (maxSurprise 1)', yaml: 'baseline: { maxSurprise: 1 }', knowledge: true },
  { name: 'no-novelty', what: 'all NEW_* novelty detectors off', yaml: weightsOff('NEW_ACTION', 'NEW_SERVICE', 'NEW_RESOURCE', 'NEW_SOURCE_IP', 'NEW_SOURCE_NETWORK', 'NEW_SOURCE_ASN', 'NEW_SOURCE_COUNTRY', 'NEW_REGION', 'NEW_USER_AGENT', 'NEW_WORKLOAD'), knowledge: true },
  { name: 'no-hour', what: 'UNUSUAL_HOUR off', yaml: weightsOff('UNUSUAL_HOUR'), knowledge: true },
  { name: 'no-volume', what: 'VOLUME_SPIKE (per event and hourly) off', yaml: weightsOff('VOLUME_SPIKE'), knowledge: true },
  { name: 'no-slow', what: 'SLOW_AND_LOW off', yaml: weightsOff('SLOW_AND_LOW'), knowledge: true },
  { name: 'no-concurrency', what: 'CONCURRENT_TOKEN_USE off', yaml: weightsOff('CONCURRENT_TOKEN_USE'), knowledge: true },
  { name: 'no-enumeration', what: 'ENUMERATION off', yaml: weightsOff('ENUMERATION'), knowledge: true },
  { name: 'no-failures', what: 'FAILURE_BURST and DENIED_THEN_SUCCESS off', yaml: weightsOff('FAILURE_BURST', 'DENIED_THEN_SUCCESS'), knowledge: true },
];

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

const packs = new Map<string, KnowledgePack>();
function packFor(config: WardenConfig): KnowledgePack {
  let p = packs.get(config.knowledge.dir);
  if (!p) packs.set(config.knowledge.dir, (p = loadKnowledgeDir(config.knowledge.dir)));
  return p;
}

async function simulated(scenario: ScenarioName, seeds: number[], config: WardenConfig, knowledge: KnowledgePack | null): Promise<string> {
  const recall: number[] = [];
  const alerted: number[] = [];
  const blocked: number[] = [];
  const prAuc: number[] = [];
  for (const seed of seeds) {
    const sim = runScenario(scenario, { seed, days: 14, fleet: 30 });
    const resolver = createIdentityResolver(compileInventory(sim.inventory), { unknownIdentity: config.identity.unknownIdentity });
    const decisions = await decideSimulation({ events: sim.events }, config, resolver, createPolicyEngine(buildPolicySet([])), knowledge);
    const d = evaluateDetection(sim.labels, scoreDecisions(decisions), true);
    recall.push(d.recallAt5);
    alerted.push(d.benignAlertRate);
    blocked.push(d.benignBlockRate ?? 0);
    prAuc.push(d.prAuc);
  }
  return `${pct(mean(recall))} | ${(mean(alerted) * 100).toFixed(3)}% | ${(mean(blocked) * 100).toFixed(3)}% | ${mean(prAuc).toFixed(3)}`;
}

async function real(config: WardenConfig, knowledge: boolean): Promise<string> {
  if (!existsSync(folder)) return 'n/a | n/a | n/a | n/a';
  const cells: string[] = [];
  const recordings = readdirSync(folder).filter((f) => f.endsWith('.jsonl.gz') && !f.endsWith('.labels.jsonl.gz')).sort();
  let unseen = 'n/a';
  for (const f of recordings) {
    const decisions = await decideRecording(join(folder, f), config, knowledge);
    const r = evaluateLabelled(await readLabels(join(folder, f.replace(/\.jsonl\.gz$/, '.labels.jsonl.gz'))), decisions);
    cells.push(`${r.techniquesFlagged}/${r.techniques}`, pct(r.benignWindowFlagRate));
    if (r.unseenBenignFlagRate !== null) unseen = pct(r.unseenBenignFlagRate);
  }
  return [...cells, unseen].join(' | ');
}

const only = values.only ? new Set(values.only.split(',')) : null;
const classicSeeds = Array.from({ length: Number(values.classic) }, (_, i) => i + 1);
const variedSeeds = Array.from({ length: Number(values.varied) }, (_, i) => 101 + i);
console.log(`| variant | what | classic recall@5 | classic benign alerted | classic blocked | classic PR-AUC | varied recall@5 | varied benign alerted | varied blocked | varied PR-AUC | real: techniques (as recorded) | benign flagged | techniques (after history) | benign flagged | unseen benign change flagged |`);
console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`);
for (const v of VARIANTS) {
  if (only && !only.has(v.name)) continue;
  const config = parseConfig(v.yaml, `ablation:${v.name}`);
  const knowledge = v.knowledge ? packFor(config) : null;
  const c = await simulated('classic', classicSeeds, config, knowledge);
  const s = await simulated('varied', variedSeeds, config, knowledge);
  const r = await real(config, v.knowledge);
  console.log(`| ${v.name} | ${v.what} | ${c} | ${s} | ${r} |`);
}
