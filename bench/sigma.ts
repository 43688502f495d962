/**
 * Sigma rule matching throughput on one core: the real-audit fixtures, normalized once (so each
 * event keeps its original record), matched against the rules of SIGMA_DIRS (comma-separated;
 * default: the rules written for the tests). Point it at a checkout of a rule repository to see
 * the cost of a real rule set, e.g.
 *   SIGMA_DIRS=../sigma/rules/cloud,../sigma/rules/application npx tsx bench/sigma.ts
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createNormalizer } from '../src/events/index.js';
import type { WardenEvent } from '../src/events/event.js';
import { loadSigmaDirs } from '../src/sigma/index.js';

const TARGET = Number(process.env.BENCH_EVENTS ?? 200_000);
const dirs = (process.env.SIGMA_DIRS ?? 'test/fixtures/sigma/rules').split(',').filter(Boolean);
const FILES: Record<string, string> = { cloudtrail: 'cloudtrail.jsonl', k8s: 'k8s-audit.jsonl', github: 'github-audit.jsonl', gcp: 'gcp-audit.jsonl' };

const rules = loadSigmaDirs(dirs);
const perFormat = new Map<string, number>();
for (const r of rules.rules) perFormat.set(r.format, (perFormat.get(r.format) ?? 0) + 1);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`sigma matching, ${fmt(TARGET)} events per format, one core (node ${process.version}); ${rules.rules.length} rules loaded, ${rules.skipped.length} skipped, from ${dirs.join(', ')}`);
console.log('format       rules    events/s   µs/event   hits/1k events');
for (const [format, file] of Object.entries(FILES)) {
  const normalize = createNormalizer({ format: 'auto' });
  const base: WardenEvent[] = [];
  readFileSync(`test/fixtures/real-audit/${file}`, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() !== '') base.push(...normalize(line, { file, line: i + 1 }).events);
  });
  const events: WardenEvent[] = [];
  for (let i = 0; events.length < TARGET; i++) events.push(base[i % base.length] as WardenEvent);
  const pass = (): number => {
    let hits = 0;
    for (const e of events) hits += rules.match(e).length;
    return hits;
  };
  pass(); // warm-up: let the JIT settle
  const start = performance.now();
  const hits = pass();
  const seconds = (performance.now() - start) / 1000;
  console.log(`${format.padEnd(10)} ${String(perFormat.get(format) ?? 0).padStart(7)} ${fmt(events.length / seconds).padStart(11)} ${((seconds * 1e6) / events.length).toFixed(2).padStart(10)} ${((hits / events.length) * 1000).toFixed(1).padStart(16)}`);
}
