/**
 * The identity inventory (`config/identities.yaml`): parsed, validated with file:line:column
 * errors, and compiled once. Exact ids sit in a Map; glob ids are compiled once and tried in file
 * order after the exact lookup, so an exact entry always wins over a pattern.
 */
import { z } from 'zod';
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { deepFreeze, locate, parseYamlSource, zodIssues } from '../common/yaml-source.js';
import { globToRegExp, isGlob } from '../common/glob.js';
import type { IdentityRecord } from './types.js';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const identityRecordSchema = z.strictObject({
  /** Exact identity id or a glob (`*` any run of characters, `?` one character). */
  id: nonEmpty,
  /** Accountable team. */
  owner: nonEmpty,
  contact: nonEmpty.optional(),
  type: nonEmpty.optional(),
  class: nonEmpty.optional(),
  environment: nonEmpty.optional(),
  criticality: z.enum(['low', 'medium', 'high', 'critical']).optional(),
  /** Credentials (access key ids, token ids) issued to this identity. */
  tokens: z.array(nonEmpty).optional(),
  description: z.string().optional(),
  /**
   * False while the owner is a guess (as `warden identities init` drafts it): the identity is
   * known, but each of its events carries a low-weight UNVERIFIED_OWNER finding. @defaultValue true
   */
  verified: z.boolean().default(true),
  /** Informational, written by `warden identities init`: first and latest event time seen, and how many events. */
  firstSeen: nonEmpty.optional(),
  lastSeen: nonEmpty.optional(),
  events: z.number().int().nonnegative().optional(),
});

export const inventorySchema = z.strictObject({
  identities: z.array(identityRecordSchema),
});

export interface GlobEntry {
  readonly regex: RegExp;
  readonly record: IdentityRecord;
}

export interface Inventory {
  readonly file: string;
  readonly records: readonly IdentityRecord[];
  readonly exact: ReadonlyMap<string, IdentityRecord>;
  readonly globs: readonly GlobEntry[];
  /** Token id → every record that declares it (more than one means a shared token). */
  readonly tokens: ReadonlyMap<string, readonly IdentityRecord[]>;
}

/** Compiles validated records; used by the parser and by callers that build inventories in code. */
export function compileInventory(records: readonly IdentityRecord[], file = '<inline>'): Inventory {
  const exact = new Map<string, IdentityRecord>();
  const globs: GlobEntry[] = [];
  const tokens = new Map<string, IdentityRecord[]>();
  for (const record of records) {
    if (isGlob(record.id)) globs.push({ regex: globToRegExp(record.id), record });
    else exact.set(record.id, record);
    for (const token of new Set(record.tokens ?? [])) {
      const holders = tokens.get(token);
      if (holders) holders.push(record);
      else tokens.set(token, [record]);
    }
  }
  return deepFreeze({ file, records: [...records], exact, globs, tokens });
}

/** Parses and validates inventory text; every problem is reported with file, line, column and field. */
export function parseInventory(text: string, file: string): Inventory {
  const source = parseYamlSource(text, file, 'WARDEN_IDENTITIES_INVALID');
  const raw: unknown = source.doc.toJS() ?? null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WardenValidationError('WARDEN_IDENTITIES_INVALID', [
      { file, line: 1, column: 1, message: 'the inventory must be a YAML mapping with an identities list' },
    ]);
  }
  const result = inventorySchema.safeParse(raw);
  if (!result.success) throw new WardenValidationError('WARDEN_IDENTITIES_INVALID', zodIssues(source, result.error));
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, number>();
  result.data.identities.forEach((record, i) => {
    if (/^[*?]+$/.test(record.id)) {
      const path = ['identities', i, 'id'];
      issues.push({ file, ...locate(source, path), field: `identities[${i}].id`, message: `"${record.id}" would make every identity known and owned by ${record.owner}; list identities or narrower patterns` });
    }
    const first = seen.get(record.id);
    if (first !== undefined) {
      const path = ['identities', i, 'id'];
      issues.push({ file, ...locate(source, path), field: `identities[${i}].id`, message: `duplicate identity "${record.id}" (first declared at identities[${first}])` });
    } else seen.set(record.id, i);
  });
  if (issues.length > 0) throw new WardenValidationError('WARDEN_IDENTITIES_INVALID', issues);
  return compileInventory(result.data.identities, file);
}

/** Finds the inventory record of an identity id: exact entry first, then the first matching glob. */
export function findRecord(inventory: Inventory, identityId: string): IdentityRecord | null {
  const exact = inventory.exact.get(identityId);
  if (exact) return exact;
  for (const entry of inventory.globs) if (entry.regex.test(identityId)) return entry.record;
  return null;
}
