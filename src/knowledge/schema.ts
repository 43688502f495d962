/**
 * Schema of a knowledge pack file (`config/knowledge/*.yaml`): one source format per file, its
 * sensitivity classes and its technique entries. Conditions (`when`) are checked by
 * `condition.ts`, which reports each problem where it is. See docs/detections.md.
 */
import { z } from 'zod';

/** ATT&CK (Enterprise) tactic slugs. */
export const TACTICS = [
  'reconnaissance', 'resource-development', 'initial-access', 'execution', 'persistence', 'privilege-escalation',
  'defense-evasion', 'credential-access', 'discovery', 'lateral-movement', 'collection', 'command-and-control',
  'exfiltration', 'impact',
] as const;

/** Source formats a pack file can describe, with the action prefix their normalizer writes. */
export const SOURCES = { aws: null, gcp: null, k8s: 'k8s:', github: 'github:', postgres: 'postgres:' } as const;
export type KnowledgeSource = keyof typeof SOURCES;

const text = z.string().trim().min(1, 'must not be empty');
const tier = z.enum(['critical', 'high', 'medium', 'low']);
const actions = z.array(text).min(1, 'list at least one action (exact, or a glob such as ssm:GetParameter*)');

export const sensitivityClassSchema = z.strictObject({
  actions,
  tier,
  /** What kind of access this is: credential-read, iam-write, logging, data-read, read, write, … */
  category: z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lower-case words joined by -'),
  when: z.unknown().optional(),
});

export const entrySchema = z.strictObject({
  /** `<source>.<service>.<what>`, unique across the pack. */
  id: z.string().regex(/^[a-z0-9]+(\.[a-z0-9][a-z0-9-]*)+$/, 'use <source>.<service>.<name> in lower case, e.g. aws.cloudtrail.stop-logging'),
  actions,
  tactic: z.enum(TACTICS),
  technique: z.string().regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id such as T1562 or T1562.008'),
  name: text,
  tier,
  /** Sensitivity category this entry gives the action. @defaultValue derived from the tactic */
  category: z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lower-case words joined by -').optional(),
  /** Conditions on the event; omitted: every event with one of the actions. */
  when: z.unknown().optional(),
  /** The condition in words, for docs/detections.md. @defaultValue rendered from `when` */
  explain: text.optional(),
  /** The finding's line; `{path}` is replaced by that field's value, e.g. `{resource}`, `{attributes.request.userName}`. */
  detail: text.optional(),
});

export const knowledgeFileSchema = z.strictObject({
  version: z.literal(1, 'the only pack format version is 1'),
  source: z.enum(Object.keys(SOURCES) as [KnowledgeSource, ...KnowledgeSource[]]),
  sensitivity: z.array(sensitivityClassSchema).default([]),
  entries: z.array(entrySchema).default([]),
});

export type KnowledgeFileSpec = z.output<typeof knowledgeFileSchema>;
export type EntrySpec = z.output<typeof entrySchema>;
export type SensitivityClassSpec = z.output<typeof sensitivityClassSchema>;
