/**
 * Detection benchmark: simulate → replay (memory store) → eval over several seeds, Warden against
 * the two naive reference detectors. Usage: npx tsx bench/detection.ts [seeds=5] [days=14] [fleet=30]
 */
import { parseConfig } from '../src/config/load.js';
import { simulate } from '../src/simulator/generate.js';
import { createEmptyPolicy, createInventoryResolver } from '../test/helpers/decision-context.js';
import { compareWithReferences, decideSimulation } from '../src/eval/run.js';
import type { DetectionFigures } from '../src/eval/evaluate.js';

const seeds = Number(process.argv[2] ?? 5);
const days = Number(process.argv[3] ?? 14);
const fleet = Number(process.argv[4] ?? 30);
const config = parseConfig('{}', 'defaults');
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(3)}%`);
const totals = { warden: [] as DetectionFigures[], newValue: [] as DetectionFigures[], rateThreshold: [] as DetectionFigures[] };
const kindAgg = new Map<string, { w: [number, number]; n: [number, number]; r: [number, number] }>();
const verbose = process.env.VERBOSE === '1';

for (let seed = 1; seed <= seeds; seed++) {
  const sim = simulate({ seed, days, fleet });
  const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] }));
  const decisions = await decideSimulation(sim, config, createInventoryResolver(records, config), createEmptyPolicy());
  const cmp = compareWithReferences(sim, decisions, config.baseline.learningDays);
  totals.warden.push(cmp.warden);
  totals.newValue.push(cmp.newValue);
  totals.rateThreshold.push(cmp.rateThreshold);
  for (const [kind, k] of Object.entries(cmp.warden.perKind)) {
    const a = kindAgg.get(kind) ?? { w: [0, 0], n: [0, 0], r: [0, 0] };
    a.w[0] += k.caughtWithin5; a.w[1] += k.episodes;
    a.n[0] += cmp.newValue.perKind[kind]?.caughtWithin5 ?? 0; a.n[1] += k.episodes;
    a.r[0] += cmp.rateThreshold.perKind[kind]?.caughtWithin5 ?? 0; a.r[1] += k.episodes;
    kindAgg.set(kind, a);
  }
  console.log(`seed ${seed}: ${sim.events.length} events, ${cmp.warden.episodes} episodes | warden recall@5 ${pct(cmp.warden.recallAt5)} alert ${pct(cmp.warden.benignAlertRate)} block ${pct(cmp.warden.benignBlockRate)} prAUC ${cmp.warden.prAuc.toFixed(3)} | new-value recall@5 ${pct(cmp.newValue.recallAt5)} alert ${pct(cmp.newValue.benignAlertRate)} | rate recall@5 ${pct(cmp.rateThreshold.recallAt5)} alert ${pct(cmp.rateThreshold.benignAlertRate)}`);
  if (verbose) console.log('  FP by drift', cmp.warden.falsePositivesByDrift, 'missed', Object.entries(cmp.warden.perKind).filter(([, k]) => k.recallAt5 < 1).map(([n]) => n).join(','));
}

const avg = (xs: DetectionFigures[], f: (d: DetectionFigures) => number | null): number | null => {
  const vals = xs.map(f).filter((v): v is number => v !== null);
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
};
console.log(`\n| detector | recall@5 | recall (any) | mean events to detect | benign alerted | benign blocked | precision | PR-AUC |`);
console.log(`|---|---|---|---|---|---|---|---|`);
for (const [name, xs] of Object.entries(totals)) {
  console.log(`| ${name} | ${pct(avg(xs, (d) => d.recallAt5))} | ${pct(avg(xs, (d) => d.recallAny))} | ${avg(xs, (d) => d.meanEventsToDetect)?.toFixed(2) ?? 'n/a'} | ${pct(avg(xs, (d) => d.benignAlertRate))} | ${pct(avg(xs, (d) => d.benignBlockRate))} | ${avg(xs, (d) => d.precision)?.toFixed(3)} | ${avg(xs, (d) => d.prAuc)?.toFixed(3)} |`);
}
console.log(`\n| attack kind | warden caught ≤5 | new-value caught ≤5 | rate-threshold caught ≤5 |`);
console.log(`|---|---|---|---|`);
for (const [kind, a] of [...kindAgg.entries()].sort()) console.log(`| ${kind} | ${a.w[0]}/${a.w[1]} | ${a.n[0]}/${a.n[1]} | ${a.r[0]}/${a.r[1]} |`);
