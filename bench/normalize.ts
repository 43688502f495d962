/**
 * Normalize throughput per format on one core, against a ceiling measured in the same run:
 * plain `JSON.parse` of the same lines (pgaudit: a `split(',')` of the same lines, as it is not
 * JSON). Input: the real-audit fixtures, repeated to BENCH_RECORDS records per format.
 *   npx tsx bench/normalize.ts
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createNormalizer } from '../src/events/index.js';

const TARGET = Number(process.env.BENCH_RECORDS ?? 200_000);
const FILES: Record<string, string> = {
  cloudtrail: 'cloudtrail.jsonl',
  k8s: 'k8s-audit.jsonl',
  github: 'github-audit.jsonl',
  gcp: 'gcp-audit.jsonl',
  pgaudit: 'pgaudit.log',
};

function linesOf(file: string): string[] {
  const base = readFileSync(`test/fixtures/real-audit/${file}`, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const out: string[] = [];
  for (let i = 0; out.length < TARGET; i++) out.push(base[i % base.length] as string);
  return out;
}

function timeIt(run: () => number): { seconds: number; count: number } {
  run(); // warm-up pass: let the JIT settle before measuring
  const start = performance.now();
  const count = run();
  return { seconds: (performance.now() - start) / 1000, count };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`normalize throughput, ${fmt(TARGET)} records per format, one core (node ${process.version})`);
console.log('format       records/s    events/s   ceiling/s   ratio   MB/s');
for (const [format, file] of Object.entries(FILES)) {
  const lines = linesOf(file);
  const bytes = lines.reduce((s, l) => s + Buffer.byteLength(l), 0);
  const normalize = createNormalizer({ format: 'auto' });
  let sink = 0;
  const ceiling = timeIt(() => {
    let n = 0;
    for (const l of lines) {
      const v: unknown = format === 'pgaudit' ? l.split(',') : JSON.parse(l);
      if (v) n++;
    }
    sink += n;
    return n;
  });
  const result = timeIt(() => {
    let events = 0;
    for (let i = 0; i < lines.length; i++) events += normalize(lines[i] as string, { file, line: i + 1 }).events.length;
    return events;
  });
  const recordsPerSec = lines.length / result.seconds;
  const ceilingPerSec = ceiling.count / ceiling.seconds;
  console.log(
    `${format.padEnd(10)} ${fmt(recordsPerSec).padStart(11)} ${fmt(result.count / result.seconds).padStart(11)} ${fmt(ceilingPerSec).padStart(11)} ${(recordsPerSec / ceilingPerSec).toFixed(2).padStart(7)} ${(bytes / 1e6 / result.seconds).toFixed(0).padStart(6)}`,
  );
  if (sink < 0) console.log(sink);
}
