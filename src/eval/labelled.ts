/**
 * Scores decisions against a labelled real recording (`warden eval --labels`): one label per
 * record, joined to decisions by event id, in the format of the real-attacks corpus:
 * `{eventID, identity, label: attack|benign, technique, phase, part: history|window, target?, seenInHistory?}`.
 *
 * What a security engineer asks of such a set: how many attack techniques were flagged at all
 * (a technique is flagged when any of its records is alerted or blocked), how many benign records
 * of the recorded window were flagged (history records only teach), and how many benign records
 * that the history never showed — real benign change — were flagged.
 */
import type { Decision } from '../decisions/decision.js';
import { averagePrecision } from './evaluate.js';

export interface RealLabel {
  eventID: string;
  identity?: string | null;
  label: 'attack' | 'benign';
  technique?: string | null;
  phase?: string | null;
  part?: 'history' | 'window' | null;
  /** The record belongs to the identity the attack used. */
  target?: boolean;
  /** A benign window record that is a copy of a history record (absent: no history). */
  seenInHistory?: boolean;
}

export interface TechniqueFigures {
  records: number;
  flagged: number;
  /** First flagged record's decision: its verdict and top reason codes. */
  verdict: 'alert' | 'block' | null;
  reasons: string[];
}

export interface LabelledFigures {
  decided: number;
  /** Labels with no decision (the record was rejected or the files do not match). */
  missing: number;
  techniques: number;
  techniquesFlagged: number;
  techniqueRecall: number;
  /** Attack records flagged among attack records. */
  attackRecordRecall: number;
  benignWindow: number;
  benignWindowFlagged: number;
  benignWindowFlagRate: number;
  benignWindowBlockRate: number;
  /** Benign window records of the target identity never seen in the history (real benign change). */
  unseenBenign: number;
  unseenBenignFlagged: number;
  unseenBenignFlagRate: number | null;
  precision: number;
  prAuc: number;
  perTechnique: Record<string, TechniqueFigures>;
  /** Reason codes of flagged benign window records, by count. */
  falsePositiveReasons: Record<string, number>;
}

const flaggedVerdict = (d: Decision): 'allow' | 'alert' | 'block' => d.wouldBe ?? d.verdict;

export function evaluateLabelled(labels: readonly RealLabel[], decisions: readonly Decision[]): LabelledFigures {
  const byEvent = new Map<string, Decision>();
  for (const d of decisions) if (!byEvent.has(d.eventId)) byEvent.set(d.eventId, d);
  const perTechnique: Record<string, TechniqueFigures> = {};
  const fpReasons: Record<string, number> = {};
  let missing = 0;
  let attackRecords = 0;
  let attackFlagged = 0;
  let benignWindow = 0;
  let benignFlagged = 0;
  let benignBlocked = 0;
  let unseen = 0;
  let unseenFlagged = 0;
  let hasSeenInfo = false;
  let flaggedAll = 0;
  let flaggedAttack = 0;
  const scores: number[] = [];
  const positives: boolean[] = [];
  for (const l of labels) {
    const d = byEvent.get(l.eventID);
    if (!d) {
      missing++;
      continue;
    }
    if (l.part === 'history') continue;
    const v = flaggedVerdict(d);
    const flagged = v !== 'allow';
    scores.push(d.score);
    positives.push(l.label === 'attack');
    if (flagged) flaggedAll++;
    if (l.label === 'attack') {
      attackRecords++;
      if (flagged) {
        attackFlagged++;
        flaggedAttack++;
      }
      const name = l.technique ?? 'unlabelled';
      const t = (perTechnique[name] ??= { records: 0, flagged: 0, verdict: null, reasons: [] });
      t.records++;
      if (flagged) {
        t.flagged++;
        if (t.verdict === null || (v === 'block' && t.verdict === 'alert')) {
          t.verdict = v;
          t.reasons = d.reasons.filter((r) => r.weight > 0).slice(0, 3).map((r) => r.code);
        }
      }
      continue;
    }
    benignWindow++;
    if (flagged) {
      benignFlagged++;
      for (const r of d.reasons) if (r.weight > 0) fpReasons[r.code] = (fpReasons[r.code] ?? 0) + 1;
    }
    if (v === 'block') benignBlocked++;
    if (l.seenInHistory !== undefined) hasSeenInfo = true;
    if (l.target === true && l.seenInHistory === false) {
      unseen++;
      if (flagged) unseenFlagged++;
    }
  }
  const techniques = Object.keys(perTechnique).length;
  const techniquesFlagged = Object.values(perTechnique).filter((t) => t.flagged > 0).length;
  return {
    decided: labels.length - missing,
    missing,
    techniques,
    techniquesFlagged,
    techniqueRecall: techniques ? techniquesFlagged / techniques : 0,
    attackRecordRecall: attackRecords ? attackFlagged / attackRecords : 0,
    benignWindow,
    benignWindowFlagged: benignFlagged,
    benignWindowFlagRate: benignWindow ? benignFlagged / benignWindow : 0,
    benignWindowBlockRate: benignWindow ? benignBlocked / benignWindow : 0,
    unseenBenign: unseen,
    unseenBenignFlagged: unseenFlagged,
    unseenBenignFlagRate: hasSeenInfo && unseen > 0 ? unseenFlagged / unseen : null,
    precision: flaggedAll ? flaggedAttack / flaggedAll : 0,
    prAuc: averagePrecision(scores, positives),
    perTechnique: Object.fromEntries(Object.entries(perTechnique).sort(([a], [b]) => (a < b ? -1 : 1))),
    falsePositiveReasons: Object.fromEntries(Object.entries(fpReasons).sort((a, b) => b[1] - a[1])),
  };
}

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

/** The figures as the lines `warden eval --labels` prints. */
export function formatLabelled(f: LabelledFigures): string[] {
  const lines = [
    `techniques flagged      ${f.techniquesFlagged}/${f.techniques} (${pct(f.techniqueRecall)}); attack records flagged ${pct(f.attackRecordRecall)}`,
    `benign window flagged   ${f.benignWindowFlagged}/${f.benignWindow} (${pct(f.benignWindowFlagRate)}), blocked ${pct(f.benignWindowBlockRate)}`,
    `unseen benign change    ${f.unseenBenign === 0 ? 'n/a (no history labels)' : `${f.unseenBenignFlagged}/${f.unseenBenign} (${pct(f.unseenBenignFlagRate)})`}`,
    `precision ${f.precision.toFixed(3)}, PR-AUC ${f.prAuc.toFixed(3)}${f.missing ? `; ${f.missing} labels without a decision` : ''}`,
    '',
    `${'technique'.padEnd(58)} ${'flagged'.padStart(9)}  first flag`,
  ];
  for (const [name, t] of Object.entries(f.perTechnique)) {
    lines.push(`${name.slice(0, 58).padEnd(58)} ${`${t.flagged}/${t.records}`.padStart(9)}  ${t.verdict ? `${t.verdict} ${t.reasons.join(',')}` : '-'}`);
  }
  const fp = Object.entries(f.falsePositiveReasons).slice(0, 8);
  if (fp.length > 0) lines.push('', `benign flags by reason: ${fp.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  return lines;
}
