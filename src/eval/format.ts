/** The lines `warden eval --events` prints: overall, per attack kind, per kind/variant, per drift. */
import type { DetectionFigures, KindFigures } from './evaluate.js';
import type { Comparison } from './run.js';

const pct = (x: number | null, digits: number): string => (x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`);
const num = (x: number | null, digits: number): string => (x === null ? 'n/a' : x.toFixed(digits));

const DETECTORS = [
  ['warden', 'warden'],
  ['new-value', 'newValue'],
  ['rate-threshold', 'rateThreshold'],
] as const satisfies readonly (readonly [string, keyof Comparison])[];

function overallRow(name: string, d: DetectionFigures): string {
  return `${name.padEnd(15)} ${pct(d.recallAt5, 3).padStart(9)} ${pct(d.recallAny, 3).padStart(9)} ${num(d.meanEventsToDetect, 2).padStart(6)} ${pct(d.benignAlertRate, 3).padStart(9)} ${pct(d.benignBlockRate, 3).padStart(9)} ${d.precision.toFixed(3).padStart(9)} ${d.prAuc.toFixed(3).padStart(7)}`;
}

/** One block of rows per group (kind or kind/variant): one row per detector. */
function groupTable(title: string, cmp: Comparison, pick: (d: DetectionFigures) => Record<string, KindFigures>): string[] {
  const keys = Object.keys(pick(cmp.warden));
  if (keys.length === 0) return [];
  const width = Math.max(title.length, ...keys.map((k) => k.length));
  const lines = [`${title.padEnd(width)} ${'detector'.padEnd(15)} ${'episodes'.padStart(8)} ${'events'.padStart(7)} ${'recall@5'.padStart(8)} ${'recall'.padStart(7)} ${'ttd'.padStart(6)} ${'precision'.padStart(9)} ${'PR-AUC'.padStart(7)}`];
  for (const key of keys) {
    DETECTORS.forEach(([name, field], i) => {
      const k = pick(cmp[field])[key];
      if (!k) return;
      const head = i === 0 ? `${key.padEnd(width)} ${name.padEnd(15)} ${String(k.episodes).padStart(8)} ${String(k.events).padStart(7)}` : `${''.padEnd(width)} ${name.padEnd(15)} ${''.padStart(8)} ${''.padStart(7)}`;
      lines.push(`${head} ${pct(k.recallAt5, 1).padStart(8)} ${pct(k.recallAny, 1).padStart(7)} ${num(k.meanEventsToDetect, 2).padStart(6)} ${num(k.precision, 3).padStart(9)} ${k.prAuc.toFixed(3).padStart(7)}`);
    });
  }
  return lines;
}

function driftTable(cmp: Comparison): string[] {
  const drifts = Object.keys(cmp.warden.benignByDrift);
  if (drifts.length === 0) return [];
  const width = Math.max('benign drift'.length, ...drifts.map((k) => k.length));
  const lines = [`${'benign drift'.padEnd(width)} ${'events'.padStart(7)} ${DETECTORS.map(([name]) => name.padStart(20)).join(' ')}`];
  for (const drift of drifts) {
    const cells = DETECTORS.map(([, field]) => {
      const d = cmp[field].benignByDrift[drift];
      return (d ? `${d.flagged} (${pct(d.flagRate, 2)})` : 'n/a').padStart(20);
    });
    lines.push(`${drift.padEnd(width)} ${String(cmp.warden.benignByDrift[drift]?.events ?? 0).padStart(7)} ${cells.join(' ')}`);
  }
  return lines;
}

/** `rejected`: records of the events file the normalizers could not read. */
export function formatComparison(cmp: Comparison, rejected = 0): string[] {
  const input = [`${cmp.decided} labelled events decided`];
  if (cmp.missing) input.push(`${cmp.missing} labels without a decision (not scored)`);
  if (cmp.unlabelled) input.push(`${cmp.unlabelled} decisions without a label`);
  if (rejected) input.push(`${rejected} records of the events file not read`);
  const lines = [
    input.join('; '),
    '',
    `${'detector'.padEnd(15)} ${'recall@5'.padStart(9)} ${'recall'.padStart(9)} ${'ttd'.padStart(6)} ${'benign!'.padStart(9)} ${'blocked'.padStart(9)} ${'precision'.padStart(9)} ${'PR-AUC'.padStart(7)}`,
    ...DETECTORS.map(([name, field]) => overallRow(name, cmp[field])),
    '',
    '(recall@5: attack episodes flagged within their first 5 events; recall: flagged at any point; ttd: mean events to detect;',
    ' benign!: benign events alerted or blocked; precision and PR-AUC: attack events against benign events)',
  ];
  const kinds = groupTable('attack kind', cmp, (d) => d.perKind);
  if (kinds.length > 0) lines.push('', 'per attack kind, one-vs-benign (positives: the events of that kind\'s episodes; negatives: all benign events)', ...kinds);
  const variants = groupTable('kind/variant', cmp, (d) => d.perVariant);
  if (variants.length > 0) lines.push('', 'per kind/variant, one-vs-benign', ...variants);
  const drift = driftTable(cmp);
  if (drift.length > 0) lines.push('', 'benign events flagged, by drift kind (share of that drift\'s benign events; routine: no drift)', ...drift);
  return lines;
}
