/**
 * Detection benchmark: simulate → replay (memory store) → eval, Warden against the two naive
 * reference detectors, on two scenarios: `classic` (the original generator, regression seeds
 * 1..C) and `varied` (the randomised test, seeds 101..100+V, in native and CloudTrail format).
 * Figures per scenario, per attack kind and per variant. Exits non-zero only when something
 * crashes, never on detection quality.
 * Usage: npx tsx bench/detection.ts [classicSeeds=3] [variedSeeds=3] [days=14] [fleet=30]
 */
import { parseConfig } from '../src/config/load.js';
import { createNormalizer } from '../src/events/index.js';
import type { WardenEvent } from '../src/events/index.js';
import { compileInventory } from '../src/identity/inventory.js';
import { createIdentityResolver } from '../src/identity/resolver.js';
import type { IdentityResolver } from '../src/identity/types.js';
import { runScenario } from '../src/simulator/scenarios.js';
import type { ScenarioOutput } from '../src/simulator/scenarios.js';
import type { EventLabel } from '../src/simulator/generate.js';
import { buildPolicySet } from '../src/policy/policy-set.js';
import { createPolicyEngine } from '../src/policy/engine.js';
import { compareWithReferences, decideSimulation, scoreDecisions } from '../src/eval/run.js';
import type { DetectionFigures, Scored } from '../src/eval/evaluate.js';
import { newValueReference, rateReference } from '../src/eval/references.js';
import { loadKnowledgeDir } from '../src/knowledge/index.js';

const classicSeeds = Number(process.argv[2] ?? 3);
const variedSeeds = Number(process.argv[3] ?? 3);
const days = Number(process.argv[4] ?? 14);
const fleet = Number(process.argv[5] ?? 30);
const config = parseConfig('{}', 'defaults');
const knowledge = process.env.NO_KNOWLEDGE === '1' ? null : loadKnowledgeDir(config.knowledge.dir);
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
/** Benign rates are judged against 0.1 % and 0.01 %: three decimals. */
const pct3 = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(3)}%`);

interface Tally {
  caught: number;
  episodes: number;
}
interface Run {
  totals: { warden: DetectionFigures[]; newValue: DetectionFigures[]; rateThreshold: DetectionFigures[] };
  /** kind → [warden, new-value, rate] tallies; variant likewise. */
  kinds: Map<string, [Tally, Tally, Tally]>;
  variants: Map<string, [Tally, Tally, Tally]>;
  fpByDrift: Map<string, number>;
  benignByDrift: Map<string, number>;
}

const newRun = (): Run => ({ totals: { warden: [], newValue: [], rateThreshold: [] }, kinds: new Map(), variants: new Map(), fpByDrift: new Map(), benignByDrift: new Map() });

/** Episodes caught within their first 5 events, grouped by `key` of the label (kind or variant). */
function caughtBy(labels: readonly EventLabel[], flagged: readonly boolean[], key: (l: EventLabel) => string | undefined): Map<string, Tally> {
  const episodes = new Map<string, { key: string; flags: boolean[] }>();
  labels.forEach((l, i) => {
    if (l.label !== 'attack' || !l.episode) return;
    const ep = episodes.get(l.episode) ?? { key: key(l) ?? 'unknown', flags: [] };
    ep.flags.push(flagged[i] ?? false);
    episodes.set(l.episode, ep);
  });
  const out = new Map<string, Tally>();
  for (const ep of episodes.values()) {
    const t = out.get(ep.key) ?? { caught: 0, episodes: 0 };
    t.episodes++;
    const first = ep.flags.indexOf(true);
    if (first >= 0 && first < 5) t.caught++;
    out.set(ep.key, t);
  }
  return out;
}

function addTallies(into: Map<string, [Tally, Tally, Tally]>, parts: Map<string, Tally>[]): void {
  for (const [k] of parts[0]!) {
    const row = into.get(k) ?? [{ caught: 0, episodes: 0 }, { caught: 0, episodes: 0 }, { caught: 0, episodes: 0 }];
    parts.forEach((p, j) => {
      const t = p.get(k);
      row[j]!.caught += t?.caught ?? 0;
      row[j]!.episodes += t?.episodes ?? 0;
    });
    into.set(k, row);
  }
}

/** CloudTrail records (native lines for non-AWS identities) through the normalizer, in order; any reject is a crash. */
function normalizeCloudTrail(sim: ScenarioOutput): WardenEvent[] {
  const normalize = createNormalizer({ events: config.events });
  const out: WardenEvent[] = [];
  sim.cloudtrail!().forEach((record, i) => {
    const r = normalize(JSON.stringify(record), { line: i + 1 });
    if (r.rejects.length > 0 || r.events.length !== 1) throw new Error(`record ${i + 1} did not normalize to one event: ${JSON.stringify(r.rejects[0]?.reason ?? r.events.length)}`);
    out.push(r.events[0]!);
  });
  out.forEach((e, i) => {
    if (e.id !== sim.labels[i]!.eventId) throw new Error(`event ${i + 1} is ${e.id}, its label is for ${sim.labels[i]!.eventId}`);
  });
  return out;
}

async function runOne(run: Run, name: string, sim: ScenarioOutput, events: WardenEvent[], resolver: IdentityResolver): Promise<void> {
  const decisions = await decideSimulation({ events }, config, resolver, createPolicyEngine(buildPolicySet([])), knowledge);
  if (decisions.length !== events.length) throw new Error(`${name}: ${decisions.length} decisions for ${events.length} events`);
  const cmp = compareWithReferences({ events: sim.events, labels: sim.labels }, decisions, config.baseline.learningDays);
  run.totals.warden.push(cmp.warden);
  run.totals.newValue.push(cmp.newValue);
  run.totals.rateThreshold.push(cmp.rateThreshold);
  // The references see the native events (they are naive stand-ins, not the system under test).
  const learningMs = config.baseline.learningDays * 86_400_000;
  const flags: boolean[][] = [
    scoreDecisions(decisions).map((s: Scored) => s.flagged),
    newValueReference(sim.events, learningMs).map((r) => r.flagged),
    rateReference(sim.events, learningMs).map((r) => r.flagged),
  ];
  addTallies(run.kinds, flags.map((f) => caughtBy(sim.labels, f, (l) => l.kind)));
  addTallies(run.variants, flags.map((f) => caughtBy(sim.labels, f, (l) => (l.variant ? `${l.kind}/${l.variant}` : l.kind))));
  sim.labels.forEach((l, i) => {
    if (l.label !== 'benign') return;
    const k = l.drift ?? 'routine';
    run.benignByDrift.set(k, (run.benignByDrift.get(k) ?? 0) + 1);
    if (flags[0]![i]) run.fpByDrift.set(k, (run.fpByDrift.get(k) ?? 0) + 1);
  });
  const w = cmp.warden;
  console.log(`${name}: ${events.length} events, ${w.episodes} episodes | warden recall@5 ${pct(w.recallAt5)} benign alerted ${pct3(w.benignAlertRate)} blocked ${pct3(w.benignBlockRate)} PR-AUC ${w.prAuc.toFixed(3)} | new-value recall@5 ${pct(cmp.newValue.recallAt5)} alerted ${pct3(cmp.newValue.benignAlertRate)} | rate recall@5 ${pct(cmp.rateThreshold.recallAt5)} alerted ${pct3(cmp.rateThreshold.benignAlertRate)}`);
}

const avg = (xs: DetectionFigures[], f: (d: DetectionFigures) => number | null): number | null => {
  const vals = xs.map(f).filter((v): v is number => v !== null);
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
};

function report(title: string, run: Run, perVariant: boolean): void {
  console.log(`\n### ${title}\n`);
  console.log('| detector | recall@5 | recall (any) | mean events to detect | benign alerted | benign blocked | precision | PR-AUC |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name, xs] of Object.entries(run.totals)) {
    console.log(`| ${name} | ${pct(avg(xs, (d) => d.recallAt5))} | ${pct(avg(xs, (d) => d.recallAny))} | ${avg(xs, (d) => d.meanEventsToDetect)?.toFixed(2) ?? 'n/a'} | ${pct3(avg(xs, (d) => d.benignAlertRate))} | ${pct3(avg(xs, (d) => d.benignBlockRate))} | ${avg(xs, (d) => d.precision)?.toFixed(3) ?? 'n/a'} | ${avg(xs, (d) => d.prAuc)?.toFixed(3) ?? 'n/a'} |`);
  }
  const table = (head: string, m: Map<string, [Tally, Tally, Tally]>): void => {
    console.log(`\n| ${head} | warden caught ≤5 | new-value caught ≤5 | rate-threshold caught ≤5 |`);
    console.log('|---|---|---|---|');
    for (const [k, [w, n, r]] of [...m.entries()].sort()) console.log(`| ${k} | ${w.caught}/${w.episodes} | ${n.caught}/${n.episodes} | ${r.caught}/${r.episodes} |`);
  };
  table('attack kind', run.kinds);
  if (perVariant) table('kind/variant', run.variants);
  console.log('\n| benign drift | events | warden flagged |');
  console.log('|---|---|---|');
  for (const [k, n] of [...run.benignByDrift.entries()].sort()) console.log(`| ${k} | ${n} | ${run.fpByDrift.get(k) ?? 0} (${pct((run.fpByDrift.get(k) ?? 0) / n)}) |`);
}

/** The shipped identity resolver over a scenario's inventory (a fresh one per run: it remembers the unknown identities it met). */
const resolverFor = (sim: ScenarioOutput): IdentityResolver => createIdentityResolver(compileInventory(sim.inventory), { unknownIdentity: config.identity.unknownIdentity });

const classic = newRun();
for (let seed = 1; seed <= classicSeeds; seed++) {
  const sim = runScenario('classic', { seed, days, fleet });
  await runOne(classic, `classic seed ${seed}`, sim, sim.events, resolverFor(sim));
}
const variedNative = newRun();
const variedCloudTrail = newRun();
for (let seed = 101; seed <= 100 + variedSeeds; seed++) {
  const sim = runScenario('varied', { seed, days, fleet });
  await runOne(variedNative, `varied seed ${seed} warden`, sim, sim.events, resolverFor(sim));
  await runOne(variedCloudTrail, `varied seed ${seed} cloudtrail`, sim, normalizeCloudTrail(sim), resolverFor(sim));
}
if (classicSeeds > 0) report(`classic (regression), seeds 1..${classicSeeds}`, classic, false);
if (variedSeeds > 0) {
  report(`varied, native format, seeds 101..${100 + variedSeeds}`, variedNative, true);
  report(`varied, CloudTrail format, seeds 101..${100 + variedSeeds}`, variedCloudTrail, true);
}
