/**
 * Native-format (`--format warden`) normalize throughput on one core: the hot path of `warden run`.
 * Input: simulated fleet events (clean producer JSON), and the same events as a liberal producer
 * writes them (`null` in every absent optional field, identity types outside the enum). Each
 * figure is the best of 3 runs after a warm-up run.
 *   npx tsx bench/normalize-native.ts [records=100000]
 */
import { performance } from 'node:perf_hooks';
import { createNormalizer } from '../src/events/index.js';
import { simulate } from '../src/simulator/generate.js';

const TARGET = Number(process.argv[2] ?? 100_000);

function cleanLines(): string[] {
  const sim = simulate({ seed: 42, days: 14, fleet: 100 });
  const out: string[] = [];
  for (let i = 0; out.length < TARGET; i++) out.push(JSON.stringify(sim.events[i % sim.events.length]));
  return out;
}

/** The same events with every absent optional field written as `null`, and a non-enum type. */
function nullLines(clean: readonly string[]): string[] {
  return clean.map((line, i) => {
    const e = JSON.parse(line) as Record<string, unknown> & { identity: Record<string, unknown>; source?: Record<string, unknown> | null };
    for (const k of ['resource', 'outcome', 'environment', 'privileged', 'bytes', 'rows', 'readOnly', 'attributes']) e[k] ??= null;
    for (const k of ['tokenId', 'sessionId', 'delegationChain']) e.identity[k] ??= null;
    if (i % 3 === 0) e.identity.type = 'k8s_service_account';
    if (e.source) for (const k of ['ip', 'userAgent', 'region', 'workload', 'asn', 'country']) e.source[k] ??= null;
    else e.source = null;
    return JSON.stringify(e);
  });
}

function best(run: () => number): { perSecond: number; events: number } {
  run();
  let perSecond = 0;
  let events = 0;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    events = run();
    perSecond = Math.max(perSecond, events / ((performance.now() - start) / 1000));
  }
  return { perSecond, events };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const clean = cleanLines();
const liberal = nullLines(clean);
const normalize = createNormalizer({ format: 'warden' });
console.log(`native normalize, ${fmt(TARGET)} records, one core (node ${process.version})`);
for (const [label, lines] of [['clean', clean], ['nulls', liberal]] as const) {
  let rejected = 0;
  const result = best(() => {
    let n = 0;
    rejected = 0;
    for (let i = 0; i < lines.length; i++) {
      const r = normalize(lines[i] as string, { line: i + 1 });
      n += r.events.length;
      rejected += r.rejects.length;
    }
    return n;
  });
  const ceiling = best(() => {
    let n = 0;
    for (const l of lines) if (JSON.parse(l)) n++;
    return n;
  });
  console.log(`${label.padEnd(6)} ${fmt(result.perSecond).padStart(10)} events/s  (${fmt(result.events)} decided-ready, ${fmt(rejected)} rejected; JSON.parse ceiling ${fmt(ceiling.perSecond)}/s, ratio ${(result.perSecond / ceiling.perSecond).toFixed(2)})`);
}
