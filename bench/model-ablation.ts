/**
 * Ablation of the learned model: on several simulator seeds, recall of attack episodes (flagged
 * within their first 5 events) at a fixed benign false-positive rate, with and without the model,
 * per attack kind. The model of each seed is trained only on that fleet's first 5 days of benign
 * traffic (attacks start on day 5 or later), then the whole 14 days are replayed through the real
 * decider (memory store) with the model wired in exactly as `warden run` wires it.
 *
 *   npx tsx bench/model-ablation.ts [seeds=5] [days=14] [fleet=30]
 */
import { parseConfig } from '../src/config/load.js';
import type { Decision } from '../src/decisions/decision.js';
import { createEmptyPolicy, createInventoryResolver } from '../test/helpers/decision-context.js';
import { MemoryBaselineStore } from '../src/baseline/store-memory.js';
import { replayEvents } from '../src/pipeline/replay.js';
import { createDecider } from '../src/scoring/decider.js';
import { simulate } from '../src/simulator/generate.js';
import type { EventLabel, Simulation } from '../src/simulator/generate.js';
import { selectBackend } from '../src/model/backend.js';
import { buildModel } from '../src/model/build.js';
import { ModelHolder } from '../src/model/holder.js';
import { AutoencoderPort } from '../src/model/port.js';
import { writeModel } from '../src/model/write.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seeds = Number(process.argv[2] ?? 5);
const days = Number(process.argv[3] ?? 14);
const fleet = Number(process.argv[4] ?? 30);
const FP_TARGETS = [0.001, 0.005, 0.01];
const TRAIN_DAYS = 5;
const config = parseConfig('{}', 'defaults');

type Run = { labels: EventLabel[]; scores: number[]; flagged: boolean[] };

async function decide(sim: Simulation, model: Pick<AutoencoderPort, 'version' | 'scoreBatch'> | null): Promise<Run> {
  const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] }));
  const decider = createDecider({ config, resolver: createInventoryResolver(records, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore(), model });
  const out: Decision[] = [];
  await replayEvents(sim.events, decider, (ds) => {
    out.push(...ds);
  });
  return { labels: sim.labels, scores: out.map((d) => d.score), flagged: out.map((d) => (d.wouldBe ?? d.verdict) !== 'allow') };
}

/** Smallest score threshold whose benign flag rate is at most `fp`, and the rate it gives. */
function thresholdAt(run: Run, fp: number): { t: number; rate: number } {
  const benign = run.scores.filter((_, i) => run.labels[i]?.label !== 'attack').sort((a, b) => b - a);
  // Candidate thresholds are the benign scores themselves (ties make some rates unreachable).
  const candidates = [...new Set(benign)].sort((a, b) => a - b);
  for (const t of candidates) {
    const rate = benign.filter((s) => s >= t).length / benign.length;
    if (rate <= fp) return { t, rate };
  }
  return { t: Number.POSITIVE_INFINITY, rate: 0 };
}

/** Episodes caught within their first 5 events, per kind, when flagging at `flag(i)`. */
function caught(run: Run, flag: (i: number) => boolean): Map<string, [number, number]> {
  const eps = new Map<string, { kind: string; seen: number; hit: boolean }>();
  run.labels.forEach((l, i) => {
    if (l.label !== 'attack' || !l.episode) return;
    const ep = eps.get(l.episode) ?? { kind: l.kind ?? 'unknown', seen: 0, hit: false };
    ep.seen++;
    if (ep.seen <= 5 && flag(i)) ep.hit = true;
    eps.set(l.episode, ep);
  });
  const byKind = new Map<string, [number, number]>();
  for (const ep of eps.values()) {
    const k = byKind.get(ep.kind) ?? [0, 0];
    k[0] += ep.hit ? 1 : 0;
    k[1]++;
    byKind.set(ep.kind, k);
  }
  return byKind;
}

/** Mean position (1-based) of the first flagged event of each detected episode. */
function eventsToDetect(run: Run, flag: (i: number) => boolean): number[] {
  const eps = new Map<string, { seen: number; at: number | null }>();
  run.labels.forEach((l, i) => {
    if (l.label !== 'attack' || !l.episode) return;
    const ep = eps.get(l.episode) ?? { seen: 0, at: null };
    ep.seen++;
    if (ep.at === null && flag(i)) ep.at = ep.seen;
    eps.set(l.episode, ep);
  });
  return [...eps.values()].flatMap((e) => (e.at === null ? [] : [e.at]));
}

await selectBackend();
const ttd = new Map<string, number[]>();
const agg = new Map<string, Map<string, [number, number]>>();
const add = (key: string, m: Map<string, [number, number]>): void => {
  const a = agg.get(key) ?? new Map<string, [number, number]>();
  for (const [k, [c, n]] of m) {
    const x = a.get(k) ?? [0, 0];
    a.set(k, [x[0] + c, x[1] + n]);
  }
  agg.set(key, a);
};
const fpSeen = new Map<string, number[]>();
/** Benign events the model alone flags (error above the training p99.9), by the drift they belong to. */
const aloneFpByDrift = new Map<string, [number, number]>();

for (let seed = 1; seed <= seeds; seed++) {
  const sim = simulate({ seed, days, fleet });
  const cutoff = Date.parse(sim.events[0]?.time ?? '') + TRAIN_DAYS * 86_400_000;
  const kindOf = new Map(sim.identities.map((i) => [i.id, i.kind]));
  const history = sim.events.filter((e, i) => sim.labels[i]?.label !== 'attack' && Date.parse(e.time) < cutoff);
  const artifact = await buildModel(
    { events: history, input: `simulate seed ${seed}, days 0-${TRAIN_DAYS - 1}`, classOf: (e) => kindOf.get(e.identity.id) ?? null, classBy: 'inventory' },
    { seed, minClassRows: 300 },
  );
  const dir = mkdtempSync(join(tmpdir(), 'warden-ablation-'));
  await writeModel(dir, artifact);
  const holder = await ModelHolder.open(dir);
  const port = new AutoencoderPort(holder, { weight: config.scoring.modelWeight, minPercentile: config.model.minPercentile, fullWeightPercentile: config.model.fullWeightPercentile });
  // Records the model's own percentile per event (the decider calls it once per batch, in order).
  const percentiles: number[] = [];
  const recording = {
    get version() {
      return port.version;
    },
    scoreBatch: async (...args: Parameters<AutoencoderPort['scoreBatch']>) => {
      const r = await port.scoreBatch(...args);
      for (const x of r) percentiles.push(x.error);
      return r;
    },
  };
  const without = await decide(sim, null);
  const withModel = await decide(sim, recording);
  // Ranked by raw error: the percentile saturates at 100 for everything beyond the training maximum.
  const alone: Run = { labels: sim.labels, scores: percentiles, flagged: percentiles.map((e) => e > artifact.meta.thresholds.global.p999) };
  await holder.dispose();
  rmSync(dir, { recursive: true, force: true });

  sim.labels.forEach((l, i) => {
    if (l.label === 'attack') return;
    const key = `${l.drift ?? 'routine'}${Date.parse(sim.events[i]?.time ?? '') < cutoff ? ' (training days)' : ''}`;
    const x = aloneFpByDrift.get(key) ?? [0, 0];
    x[0] += alone.flagged[i] ? 1 : 0;
    x[1]++;
    aloneFpByDrift.set(key, x);
  });
  const line: string[] = [`seed ${seed}: ${sim.events.length} events, ${sim.episodes.length} episodes, model trained on ${history.length} (best epoch ${artifact.meta.training.bestEpoch})`];
  for (const [name, run] of [['without', without], ['with', withModel], ['alone', alone]] as const) {
    add(`${name}@config`, caught(run, (i) => run.flagged[i] ?? false));
    ttd.set(`${name}@config`, [...(ttd.get(`${name}@config`) ?? []), ...eventsToDetect(run, (i) => run.flagged[i] ?? false)]);
    const benign = run.labels.filter((l) => l.label !== 'attack').length;
    const fp = run.flagged.filter((f, i) => f && run.labels[i]?.label !== 'attack').length / benign;
    fpSeen.set(`${name}@config`, [...(fpSeen.get(`${name}@config`) ?? []), fp]);
    for (const target of FP_TARGETS) {
      const { t, rate } = thresholdAt(run, target);
      add(`${name}@${target}`, caught(run, (i) => (run.scores[i] ?? 0) >= t));
      ttd.set(`${name}@${target}`, [...(ttd.get(`${name}@${target}`) ?? []), ...eventsToDetect(run, (i) => (run.scores[i] ?? 0) >= t)]);
      fpSeen.set(`${name}@${target}`, [...(fpSeen.get(`${name}@${target}`) ?? []), rate]);
    }
    line.push(`${name}: alerted benign ${(fp * 100).toFixed(2)}%`);
  }
  console.log(line.join(' | '));
}

const kinds = [...new Set([...agg.values()].flatMap((m) => [...m.keys()]))].sort();
const total = (m: Map<string, [number, number]> | undefined): string => {
  let c = 0;
  let n = 0;
  for (const [a, b] of m?.values() ?? []) {
    c += a;
    n += b;
  }
  return `${c}/${n}`;
};
const mean = (xs: number[] | undefined): string => `${(((xs ?? []).reduce((a, b) => a + b, 0) / Math.max(1, xs?.length ?? 0)) * 100).toFixed(2)}%`;
const points = ['config', ...FP_TARGETS.map(String)];
console.log(`\nEpisodes caught within their first 5 events, ${seeds} seeds × ${days} days × ${fleet} identities (without → with model)\n`);
console.log(`| attack kind | ${points.map((p) => (p === 'config' ? 'at alertAt (default config)' : `benign FP ≤ ${Number(p) * 100}%`)).join(' | ')} |`);
console.log(`|---|${points.map(() => '---').join('|')}|`);
for (const kind of kinds) {
  console.log(`| ${kind} | ${points.map((p) => `${agg.get(`without@${p}`)?.get(kind)?.join('/') ?? '-'} → ${agg.get(`with@${p}`)?.get(kind)?.join('/') ?? '-'}`).join(' | ')} |`);
}
console.log(`| **all** | ${points.map((p) => `${total(agg.get(`without@${p}`))} → ${total(agg.get(`with@${p}`))}`).join(' | ')} |`);
console.log(`| benign FP (mean, actual) | ${points.map((p) => `${mean(fpSeen.get(`without@${p}`))} → ${mean(fpSeen.get(`with@${p}`))}`).join(' | ')} |`);
const avgTtd = (k: string): string => {
  const xs = ttd.get(k) ?? [];
  return (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(2);
};
console.log(`| mean events to detect | ${points.map((p) => `${avgTtd(`without@${p}`)} → ${avgTtd(`with@${p}`)}`).join(' | ')} |`);
console.log(`\nModel alone (flag when its reconstruction error is above the benign threshold), per kind:\n`);
console.log(`| attack kind | ${points.slice(1).map((p) => `benign FP ≤ ${Number(p) * 100}%`).join(' | ')} |`);
console.log(`|---|${points.slice(1).map(() => '---').join('|')}|`);
for (const kind of kinds) console.log(`| ${kind} | ${points.slice(1).map((p) => agg.get(`alone@${p}`)?.get(kind)?.join('/') ?? '-').join(' | ')} |`);
console.log(`| **all** | ${points.slice(1).map((p) => total(agg.get(`alone@${p}`))).join(' | ')} |`);
console.log(`| benign FP (mean, actual) | ${points.slice(1).map((p) => mean(fpSeen.get(`alone@${p}`))).join(' | ')} |`);
console.log(`\nBenign events above the model's training p99.9, by drift:\n`);
console.log('| benign events | flagged by the model alone |');
console.log('|---|---|');
for (const [k, [f, n]] of [...aloneFpByDrift.entries()].sort()) console.log(`| ${k} | ${f}/${n} (${((100 * f) / n).toFixed(2)}%) |`);
