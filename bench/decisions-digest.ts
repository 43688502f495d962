/**
 * A fingerprint of what the decider decides and learns, to show that a change to the decide path
 * (performance work, refactoring) changes no decision: run it before and after, compare the lines.
 *
 * Each scenario is decided in process with event time (no wall clock), memory store, and prints
 * the sha256 of every decision's canonical JSON (verdict, score, reasons, wouldBe, …), of the
 * decisions as published (JSON.stringify, key order included) and of every stored profile at the
 * end (what the decider learned), plus the verdict counts.
 *
 *   - sim: a simulator fleet (attacks and drift), the example policies and knowledge pack, an
 *     inventory that leaves every seventh identity out (clarity findings), peers on, batches of
 *     1000;
 *   - sim-shadow-small-batches: the same fleet in shadow mode (`wouldBe`), in batches of 7
 *     (profiles carried across many batches);
 *   - real: every recording of the real-attacks corpus (bench/real-attacks.ts), when its folder
 *     exists.
 *
 *   npx tsx bench/decisions-digest.ts [--corpus ../shared/corpus/real-attacks] [--seed 5] [--days 14] [--fleet 40]
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load.js';
import { loadPolicyDir } from '../src/policy/files.js';
import type { Decision } from '../src/decisions/decision.js';
import { MemoryBaselineStore } from '../src/baseline/store-memory.js';
import { compileInventory } from '../src/identity/inventory.js';
import { createIdentityResolver } from '../src/identity/resolver.js';
import { loadKnowledgeDir } from '../src/knowledge/index.js';
import { createPolicyEngine } from '../src/policy/engine.js';
import { replayEvents } from '../src/pipeline/replay.js';
import { createDecider } from '../src/scoring/decider.js';
import { simulate } from '../src/simulator/generate.js';
import { decideRecording } from './real-attacks.js';

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: '../shared/corpus/real-attacks' },
    seed: { type: 'string', default: '5' },
    days: { type: 'string', default: '14' },
    fleet: { type: 'string', default: '40' },
  },
});

/** JSON with object keys sorted, so that the digest does not depend on key order. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

function digest(items: Iterable<unknown>): string {
  const h = createHash('sha256');
  for (const x of items) h.update(canonical(x)).update('\n');
  return h.digest('hex').slice(0, 16);
}

/** As published or stored: key order included (the signer's canonical JSON is one JSON.stringify; codecs write entries in order). */
function rawDigest(items: readonly unknown[]): string {
  const h = createHash('sha256');
  for (const x of items) h.update(JSON.stringify(x)).update('\n');
  return h.digest('hex').slice(0, 16);
}

function verdicts(decisions: readonly Decision[]): string {
  const n = { allow: 0, alert: 0, block: 0, wouldBe: 0 };
  for (const d of decisions) {
    n[d.verdict] += 1;
    if (d.wouldBe !== undefined) n.wouldBe += 1;
  }
  return `allow ${n.allow} alert ${n.alert} block ${n.block} wouldBe ${n.wouldBe}`;
}

async function simScenario(name: string, batchSize: number, yaml = '{}'): Promise<void> {
  const config = parseConfig(yaml, 'digest');
  const sim = simulate({ seed: Number(args.seed), days: Number(args.days), fleet: Number(args.fleet) });
  const inventory = sim.identities.filter((_, i) => i % 7 !== 3).map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] }));
  const resolver = createIdentityResolver(compileInventory(inventory as never), { unknownIdentity: config.identity.unknownIdentity });
  const policy = createPolicyEngine(loadPolicyDir('config/policies'), { mode: config.policy.mode });
  const store = new MemoryBaselineStore();
  const decider = createDecider({ config, resolver, policy, store, knowledge: loadKnowledgeDir(config.knowledge.dir) });
  const decisions: Decision[] = [];
  await replayEvents(sim.events, decider, (ds) => {
    decisions.push(...ds);
  }, { batchSize });
  const profiles = await Promise.all(store.identities().sort().map((id) => store.get(id)));
  console.log(`${name}: ${decisions.length} decisions ${digest(decisions)} (as published ${rawDigest(decisions)}), ${profiles.length} profiles ${digest(profiles)} (as stored ${rawDigest(profiles)}), ${verdicts(decisions)}`);
}

await simScenario('sim', 1000);
await simScenario('sim-shadow-small-batches', 7, '{ scoring: { mode: shadow }, policy: { mode: shadow } }');
const folder = String(args.corpus);
if (existsSync(folder)) {
  const config = parseConfig('{}', 'digest');
  for (const f of readdirSync(folder).filter((x) => x.endsWith('.jsonl.gz') && !x.endsWith('.labels.jsonl.gz')).sort()) {
    const decisions = await decideRecording(join(folder, f), config);
    console.log(`real ${f}: ${decisions.length} decisions ${digest(decisions)} (as published ${rawDigest(decisions)}), ${verdicts(decisions)}`);
  }
}
