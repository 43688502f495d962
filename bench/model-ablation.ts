/**
 * Ablation of the learned models. On simulator seeds, each seed's models are trained only on that
 * fleet's first 5 days of benign events; then all days are replayed through the real decider
 * (memory store, the shipped knowledge pack) without a model and with each model, wired in as
 * `warden run` wires a `ModelScorer`. Reported per attack kind and variant: episodes flagged within
 * their first 5 events at the default thresholds and at fixed benign false-positive rates (the
 * decision score is cut where at most 0.1 % / 0.5 % of benign events reach it), plus the benign
 * alert rate and PR-AUC; then the same for each model's own score alone.
 *
 * Models: `ae` (the per-event autoencoder, docs/model.md), `hourly-ae` (autoencoder over running
 * hourly aggregates) and `hourly-z` (per-class robust z-scores of the same aggregates).
 *
 *   npx tsx bench/model-ablation.ts [--scenario varied|classic] [--seeds 101..103] [--days 14]
 *                                   [--fleet 30] [--models ae,hourly-ae,hourly-z]
 * Defaults: varied, seeds 101..103 (classic: 1..5), 14 days, 30 identities, all three models.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryBaselineStore } from '../src/baseline/store-memory.js';
import { parseConfig } from '../src/config/load.js';
import type { Decision } from '../src/decisions/decision.js';
import { evaluateDetection } from '../src/eval/evaluate.js';
import type { DetectionFigures, Scored } from '../src/eval/evaluate.js';
import type { WardenEvent } from '../src/events/event.js';
import { compileInventory } from '../src/identity/inventory.js';
import { createIdentityResolver } from '../src/identity/resolver.js';
import { loadKnowledgeDir } from '../src/knowledge/index.js';
import { selectBackend } from '../src/model/backend.js';
import { buildModel } from '../src/model/build.js';
import { ModelHolder } from '../src/model/holder.js';
import { HourlyAggregateScorer, buildHourlyModel } from '../src/model/hourly.js';
import { AutoencoderPort } from '../src/model/port.js';
import { writeModel } from '../src/model/write.js';
import { replayEvents } from '../src/pipeline/replay.js';
import { createDecider } from '../src/scoring/decider.js';
import type { ModelScore, ModelScorer } from '../src/scoring/model-port.js';
import { SCENARIOS, runScenario } from '../src/simulator/scenarios.js';
import type { ScenarioName, ScenarioOutput } from '../src/simulator/scenarios.js';
import { buildPolicySet } from '../src/policy/policy-set.js';
import { createPolicyEngine } from '../src/policy/engine.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'varied' },
    seeds: { type: 'string' },
    days: { type: 'string', default: '14' },
    fleet: { type: 'string', default: '30' },
    models: { type: 'string', default: 'ae,hourly-ae,hourly-z' },
  },
});
const scenario = values.scenario as ScenarioName;
if (!SCENARIOS.includes(scenario)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}`);
function parseSeeds(text: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(text);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return text.split(',').map(Number);
}
const seeds = parseSeeds(values.seeds ?? (scenario === 'classic' ? '1..5' : '101..103'));
const days = Number(values.days);
const fleet = Number(values.fleet);
const MODELS = ['ae', 'hourly-ae', 'hourly-z'] as const;
type ModelName = (typeof MODELS)[number];
const models = values.models.split(',').filter((m) => m !== '') as ModelName[];
for (const m of models) if (!MODELS.includes(m)) throw new Error(`unknown model ${m}; known: ${MODELS.join(', ')}`);
const RUNS = ['none', ...models] as const;
const FP_TARGETS = [0.001, 0.005];
const POINTS = ['config', ...FP_TARGETS.map(String)];
const TRAIN_DAYS = 5;
const config = parseConfig('{}', 'defaults');
const knowledge = loadKnowledgeDir(config.knowledge.dir);
const modelOptions = { weight: config.scoring.modelWeight, minPercentile: config.model.minPercentile, fullWeightPercentile: config.model.fullWeightPercentile };

/** Per-event model output kept for "model alone": the raw score (does not saturate) and whether it spoke. */
interface Recorded {
  error: number[];
  spoke: boolean[];
}

interface RecordableScorer {
  readonly version: string;
  scoreBatch(...a: Parameters<ModelScorer['scoreBatch']>): Promise<(ModelScore & { error: number })[]>;
}

function recording(model: RecordableScorer, rec: Recorded): ModelScorer {
  return {
    get version() {
      return model.version;
    },
    scoreBatch: async (events, identities) => {
      const r = await model.scoreBatch(events, identities);
      for (const x of r) {
        rec.error.push(x.error);
        rec.spoke.push(x.anomaly > 0);
      }
      return r;
    },
  };
}

async function decide(sim: ScenarioOutput, model: ModelScorer | null): Promise<Decision[]> {
  const resolver = createIdentityResolver(compileInventory(sim.inventory), { unknownIdentity: config.identity.unknownIdentity });
  const decider = createDecider({ config, resolver, policy: createPolicyEngine(buildPolicySet([])), store: new MemoryBaselineStore(), model, knowledge });
  const out: Decision[] = [];
  await replayEvents(sim.events, decider, (ds) => {
    out.push(...ds);
  });
  return out;
}

/** Flags events scoring strictly above the largest benign score whose inclusion would exceed `fp`. */
function atFalsePositiveRate(labels: ScenarioOutput['labels'], scores: readonly number[], fp: number): Scored[] {
  const benign = scores.filter((_, i) => labels[i]?.label !== 'attack').sort((a, b) => b - a);
  const budget = Math.floor(fp * benign.length);
  let cut = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < benign.length; ) {
    const v = benign[k] as number;
    let end = k;
    while (end < benign.length && benign[end] === v) end++;
    if (end > budget) {
      cut = v;
      break;
    }
    k = end;
  }
  return scores.map((s) => ({ flagged: s > cut, blocked: false, score: s }));
}

type Cell = { caught: number; any: number; episodes: number; ttd: number[] };
/** run → point → kind or kind/variant → cell; plus per-seed overall figures. */
const cells = new Map<string, Map<string, Cell>>();
const overall = new Map<string, { alert: number[]; prAuc: number[]; recall5: number[] }>();

function addFigures(key: string, f: DetectionFigures): void {
  const m = cells.get(key) ?? new Map<string, Cell>();
  for (const [k, g] of [...Object.entries(f.perKind), ...Object.entries(f.perVariant)]) {
    const c = m.get(k) ?? { caught: 0, any: 0, episodes: 0, ttd: [] };
    c.caught += g.caughtWithin5;
    c.any += Math.round(g.recallAny * g.episodes);
    c.episodes += g.episodes;
    if (g.meanEventsToDetect !== null) c.ttd.push(g.meanEventsToDetect);
    m.set(k, c);
  }
  cells.set(key, m);
  const o = overall.get(key) ?? { alert: [], prAuc: [], recall5: [] };
  o.alert.push(f.benignAlertRate);
  o.prAuc.push(f.prAuc);
  o.recall5.push(f.recallAt5);
  overall.set(key, o);
}

const backend = await selectBackend();
const started = Date.now();
for (const seed of seeds) {
  const sim = runScenario(scenario, { seed, days, fleet });
  const cutoff = Date.parse(sim.events[0]?.time ?? '') + TRAIN_DAYS * 86_400_000;
  const history = sim.events.filter((e, i) => sim.labels[i]?.label !== 'attack' && Date.parse(e.time) < cutoff);
  // A resolver of its own: the decider's keeps state (open findings) that must start fresh.
  const classResolver = createIdentityResolver(compileInventory(sim.inventory), { unknownIdentity: config.identity.unknownIdentity });
  const classOf = (e: WardenEvent): string | null => classResolver.resolve(e).class ?? e.identity.type ?? null;
  const line = [`seed ${seed}: ${sim.events.length} events, ${sim.episodes.length} episodes, ${history.length} benign training events`];

  for (const run of RUNS) {
    const t0 = Date.now();
    const rec: Recorded = { error: [], spoke: [] };
    let model: ModelScorer | null = null;
    let dispose = async (): Promise<void> => undefined;
    if (run === 'ae') {
      const artifact = await buildModel({ events: history, input: `${scenario} seed ${seed}, days 0-${TRAIN_DAYS - 1}`, classOf, classBy: 'inventory' }, { seed, minClassRows: 300 });
      const dir = mkdtempSync(join(tmpdir(), 'warden-ablation-'));
      await writeModel(dir, artifact);
      const holder = await ModelHolder.open(dir);
      model = recording(new AutoencoderPort(holder, modelOptions), rec);
      dispose = async () => {
        await holder.dispose();
        rmSync(dir, { recursive: true, force: true });
      };
    } else if (run === 'hourly-ae' || run === 'hourly-z') {
      const artifact = await buildHourlyModel({ events: history, classOf }, { method: run === 'hourly-z' ? 'robust-z' : 'autoencoder', seed, minClassRows: 300 });
      model = recording(new HourlyAggregateScorer(artifact, modelOptions), rec);
    }
    const decisions = await decide(sim, model);
    await dispose();
    const scores = decisions.map((d) => d.score);
    addFigures(`${run}@config`, evaluateDetection(sim.labels, decisions.map((d) => ({ flagged: (d.wouldBe ?? d.verdict) !== 'allow', blocked: (d.wouldBe ?? d.verdict) === 'block', score: d.score })), true));
    for (const fp of FP_TARGETS) addFigures(`${run}@${fp}`, evaluateDetection(sim.labels, atFalsePositiveRate(sim.labels, scores, fp), false));
    if (model) {
      addFigures(`${run}-alone@config`, evaluateDetection(sim.labels, rec.error.map((e, i) => ({ flagged: rec.spoke[i] ?? false, blocked: false, score: e })), false));
      for (const fp of FP_TARGETS) addFigures(`${run}-alone@${fp}`, evaluateDetection(sim.labels, atFalsePositiveRate(sim.labels, rec.error, fp), false));
    }
    line.push(`${run} ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  }
  console.log(line.join(' | '));
}

const keys = [...new Set([...cells.values()].flatMap((m) => [...m.keys()]))].sort();
const cell = (key: string, k: string): Cell | undefined => cells.get(key)?.get(k);
const caught = (key: string, k: string): string => {
  const c = cell(key, k);
  return c ? `${c.caught}` : '-';
};
const mean = (xs: number[] | undefined): number => (xs && xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const arrow = (p: string, f: (key: string) => string): string => RUNS.map((r) => f(`${r}@${p}`)).join(' → ');

console.log(`\n${scenario}, seeds ${seeds.join(',')} × ${days} days × ${fleet} identities, models trained on days 0-${TRAIN_DAYS - 1} (benign only), knowledge pack on, backend ${backend}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`\nEpisodes caught within their first 5 events, decision score (${RUNS.join(' → ')})\n`);
console.log(`| kind / variant | episodes | ${POINTS.map((p) => (p === 'config' ? 'default thresholds' : `benign FP ≤ ${Number(p) * 100}%`)).join(' | ')} |`);
console.log(`|---|---|${POINTS.map(() => '---').join('|')}|`);
for (const k of keys) {
  const n = cell('none@config', k)?.episodes ?? 0;
  const name = k.includes('/') ? `&nbsp;&nbsp;${k}` : `**${k}**`;
  console.log(`| ${name} | ${n} | ${POINTS.map((p) => arrow(p, (key) => caught(key, k))).join(' | ')} |`);
}
const allCaught = (key: string): string => {
  let c = 0;
  let n = 0;
  for (const [k, v] of cells.get(key) ?? []) {
    if (k.includes('/')) continue;
    c += v.caught;
    n += v.episodes;
  }
  return `${c}/${n}`;
};
console.log(`| **all** | | ${POINTS.map((p) => arrow(p, allCaught)).join(' | ')} |`);
console.log(`| benign alerted (mean of seeds) | | ${POINTS.map((p) => arrow(p, (key) => `${(mean(overall.get(key)?.alert) * 100).toFixed(3)}%`)).join(' | ')} |`);
console.log(`\nOverall, default thresholds: benign alert rate and PR-AUC of the decision score (mean of seeds)\n`);
console.log('| run | benign alerted | PR-AUC | recall within 5 |');
console.log('|---|---|---|---|');
for (const r of RUNS) {
  const o = overall.get(`${r}@config`);
  console.log(`| ${r === 'none' ? 'no model' : r} | ${(mean(o?.alert) * 100).toFixed(3)}% | ${mean(o?.prAuc).toFixed(3)} | ${(mean(o?.recall5) * 100).toFixed(1)}% |`);
}
const weak = keys.filter((k) => /^(exfiltration|reconnaissance|token-sharing|slow-and-low)/.test(k));
console.log(`\nWeak kinds at the default thresholds: caught within 5 / caught at all / mean events to detect (${RUNS.join(' → ')})\n`);
console.log('| kind / variant | episodes | within 5 | at all | events to detect |');
console.log('|---|---|---|---|---|');
for (const k of weak) {
  const n = cell('none@config', k)?.episodes ?? 0;
  console.log(`| ${k} | ${n} | ${arrow('config', (key) => caught(key, k))} | ${arrow('config', (key) => `${cell(key, k)?.any ?? '-'}`)} | ${arrow('config', (key) => mean(cell(key, k)?.ttd).toFixed(1))} |`);
}
if (models.length > 0) {
  console.log(`\nEach model alone (its own score; "default" = it adds a reason, percentile ≥ ${config.model.minPercentile}), episodes caught within 5 (${models.join(' → ')})\n`);
  console.log(`| kind / variant | episodes | ${POINTS.map((p) => (p === 'config' ? 'default' : `benign FP ≤ ${Number(p) * 100}%`)).join(' | ')} |`);
  console.log(`|---|---|${POINTS.map(() => '---').join('|')}|`);
  const alone = (p: string, f: (key: string) => string): string => models.map((m) => f(`${m}-alone@${p}`)).join(' → ');
  for (const k of keys) console.log(`| ${k.includes('/') ? `&nbsp;&nbsp;${k}` : `**${k}**`} | ${cell('none@config', k)?.episodes ?? 0} | ${POINTS.map((p) => alone(p, (key) => caught(key, k))).join(' | ')} |`);
  console.log(`| **all** | | ${POINTS.map((p) => alone(p, allCaught)).join(' | ')} |`);
  console.log(`| benign flagged | | ${POINTS.map((p) => alone(p, (key) => `${(mean(overall.get(key)?.alert) * 100).toFixed(3)}%`)).join(' | ')} |`);
  console.log(`| PR-AUC | | ${alone('config', (key) => mean(overall.get(key)?.prAuc).toFixed(3))} | | |`);
}
