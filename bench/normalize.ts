/**
 * Normalize throughput per format on one core, against a ceiling measured in the same run:
 * plain `JSON.parse` of the same lines (pgaudit: a `split(',')` of the same lines, as it is not
 * JSON). Input: the real-audit fixtures, repeated to BENCH_RECORDS records per format. `+orig` is the
 * same normalizer keeping each event's original record for Sigma rules (docs/sigma.md), measured
 * in the same run; `cost` is the extra time that takes (pgaudit keeps none: its column shows the
 * noise of the measurement), and `+orig rec/s` the throughput that leaves.
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
console.log('format       records/s    events/s   ceiling/s   ratio   MB/s   +orig rec/s    cost');
for (const [format, file] of Object.entries(FILES)) {
  const lines = linesOf(file);
  const bytes = lines.reduce((s, l) => s + Buffer.byteLength(l), 0);
  const normalize = createNormalizer({ format: 'auto', keepOriginal: false });
  const withOriginal = createNormalizer({ format: 'auto', keepOriginal: true });
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
  const pass = (n: typeof normalize) => (): number => {
    let events = 0;
    for (let i = 0; i < lines.length; i++) events += n(lines[i] as string, { file, line: i + 1 }).events.length;
    return events;
  };
  const result = timeIt(pass(normalize));
  // The original-record cost is a few percent: measured as the median of many short alternating
  // passes over one slice, so that the load of a shared machine hits both variants alike.
  const slice = lines.slice(0, 20_000);
  const passSlice = (n: typeof normalize): number => {
    const start = performance.now();
    for (let i = 0; i < slice.length; i++) n(slice[i] as string, { file, line: i + 1 });
    return performance.now() - start;
  };
  const plainMs: number[] = [];
  const keptMs: number[] = [];
  for (let round = 0; round < 25; round++) {
    if (round % 2 === 0) {
      plainMs.push(passSlice(normalize));
      keptMs.push(passSlice(withOriginal));
    } else {
      keptMs.push(passSlice(withOriginal));
      plainMs.push(passSlice(normalize));
    }
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1] as number;
  const kept = { ratio: median(keptMs) / median(plainMs) };
  const recordsPerSec = lines.length / result.seconds;
  const ceilingPerSec = ceiling.count / ceiling.seconds;
  console.log(
    `${format.padEnd(10)} ${fmt(recordsPerSec).padStart(11)} ${fmt(result.count / result.seconds).padStart(11)} ${fmt(ceilingPerSec).padStart(11)} ${(recordsPerSec / ceilingPerSec).toFixed(2).padStart(7)} ${(bytes / 1e6 / result.seconds).toFixed(0).padStart(6)} ${fmt(recordsPerSec / kept.ratio).padStart(13)} ${`${((kept.ratio - 1) * 100).toFixed(1)}%`.padStart(7)}`,
  );
  if (sink < 0) console.log(sink);
}
