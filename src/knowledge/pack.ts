/**
 * Builds the pack from compiled files: entries and sensitivity classes indexed by action. An
 * action's slot (the entries and classes that name it, most severe first) is resolved once and
 * cached, so the hot path is one Map lookup, then the entries' compiled conditions.
 */
import { createHash } from 'node:crypto';
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import type { WardenEvent } from '../events/event.js';
import type { CompiledClass, CompiledEntry, KnowledgeFile } from './parse.js';
import { KNOWLEDGE_CODE } from './parse.js';
import { TIER_RANK } from './types.js';
import type { Classification, KnowledgePack, Sensitivity, TechniqueHit } from './types.js';

/** A pack plus what the docs, tests and tooling read of it. */
export interface CompiledKnowledgePack extends KnowledgePack {
  readonly entries: readonly CompiledEntry[];
  readonly classes: readonly CompiledClass[];
}

interface Slot {
  entries: readonly CompiledEntry[];
  /** Sensitivity of each entry, same order, allocated once. */
  entrySensitivity: readonly Sensitivity[];
  classes: readonly CompiledClass[];
  classSensitivity: readonly Sensitivity[];
}

const NO_HITS: readonly TechniqueHit[] = Object.freeze([]);
const NOTHING_KNOWN: Classification = Object.freeze({ hits: NO_HITS, sensitivity: null });
const EMPTY_SLOT: Slot = Object.freeze({ entries: [], entrySensitivity: [], classes: [], classSensitivity: [] });
/** Distinct actions whose slot is cached; beyond it (a flood of made-up actions) slots are resolved each time. */
const MAX_CACHED_ACTIONS = 50_000;

const bySeverity = <T extends { tier: keyof typeof TIER_RANK }>(a: T, b: T): number => TIER_RANK[a.tier] - TIER_RANK[b.tier];

/** Short content hash of the files that make up a pack. */
export function packVersion(files: readonly { file: string; text: string }[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) hash.update(f.file.split(/[\\/]/).pop() ?? f.file).update('\0').update(f.text).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** Indexes compiled files into a pack; ids must be unique across files. */
export function buildKnowledgePack(files: readonly KnowledgeFile[], version: string): CompiledKnowledgePack {
  const entries = files.flatMap((f) => f.entries);
  const classes = files.flatMap((f) => f.classes);
  const issues: ValidationIssue[] = [];
  const firstSeen = new Map<string, CompiledEntry>();
  for (const e of entries) {
    const other = firstSeen.get(e.id);
    if (other) issues.push({ file: e.file, line: e.line, field: 'id', message: `duplicate entry id "${e.id}" (also in ${other.file}:${other.line ?? '?'})` });
    else firstSeen.set(e.id, e);
  }
  if (issues.length > 0) throw new WardenValidationError(KNOWLEDGE_CODE, issues);

  const globEntries = entries.filter((e) => e.actions.some((a) => a.includes('*') || a.includes('?')));
  const globClasses = classes.filter((c) => c.actions.some((a) => a.includes('*') || a.includes('?')));
  const resolve = (action: string): Slot => {
    const es = entries.filter((e) => e.actionList.matches(action)).sort(bySeverity);
    const cs = classes.filter((c) => c.actionList.matches(action)).sort(bySeverity);
    if (es.length === 0 && cs.length === 0) return EMPTY_SLOT;
    return Object.freeze({
      entries: es,
      entrySensitivity: es.map((e) => Object.freeze({ tier: e.tier, category: e.category })),
      classes: cs,
      classSensitivity: cs.map((c) => Object.freeze({ tier: c.tier, category: c.category })),
    });
  };
  const cache = new Map<string, Slot>();
  for (const item of [...entries, ...classes]) {
    for (const a of item.actions) if (!a.includes('*') && !a.includes('?') && !cache.has(a)) cache.set(a, resolve(a));
  }
  const hasGlobs = globEntries.length > 0 || globClasses.length > 0;
  const slotOf = (action: string): Slot => {
    const slot = cache.get(action);
    if (slot !== undefined) return slot;
    if (!hasGlobs) return EMPTY_SLOT;
    const resolved = resolve(action);
    if (cache.size < MAX_CACHED_ACTIONS) cache.set(action, resolved);
    return resolved;
  };

  const classify = (event: WardenEvent): Classification => {
    const slot = slotOf(event.action);
    if (slot === EMPTY_SLOT) return NOTHING_KNOWN;
    let hits: TechniqueHit[] | null = null;
    let sensitivity: Sensitivity | null = null;
    // Entries are sorted most severe first: the first that fires gives the sensitivity.
    for (let i = 0; i < slot.entries.length; i++) {
      const e = slot.entries[i] as CompiledEntry;
      if (e.when !== null && !e.when(event)) continue;
      (hits ??= []).push({ entry: e.id, tactic: e.tactic, technique: e.technique, name: e.name, tier: e.tier, detail: e.detail(event), conditional: e.when !== null });
      sensitivity ??= slot.entrySensitivity[i] as Sensitivity;
    }
    for (let i = 0; sensitivity === null && i < slot.classes.length; i++) {
      const c = slot.classes[i] as CompiledClass;
      if (c.when === null || c.when(event)) sensitivity = slot.classSensitivity[i] as Sensitivity;
    }
    return hits === null && sensitivity === null ? NOTHING_KNOWN : { hits: hits ?? NO_HITS, sensitivity };
  };

  return Object.freeze({
    version,
    size: entries.length,
    entries,
    classes,
    classify,
    match: (event: WardenEvent): readonly TechniqueHit[] => classify(event).hits,
    sensitivity: (event: WardenEvent): Sensitivity | null => classify(event).sensitivity,
  });
}
