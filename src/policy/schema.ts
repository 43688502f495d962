/**
 * Schema of a policy file (`config/policies/*.yaml`). One policy per file: a scope, rules and
 * exceptions. See docs/policy.md for every field and the precedence between rules.
 */
import { z } from 'zod';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'use letters, digits, and . _ : - (no spaces)');
const text = z.string().trim().min(1, 'must not be empty');
const patterns = z.array(text).min(1, 'list at least one pattern');
/** `approve`: a violation refuses the action and opens an approval request (docs/approvals.md). */
export const ruleModeSchema = z.enum(['enforce', 'shadow', 'off', 'approve']);

export const scopeSchema = z.strictObject({
  identities: patterns.optional(),
  classes: patterns.optional(),
  environments: patterns.optional(),
  owners: patterns.optional(),
});

const ruleCommon = {
  id: name,
  description: z.string().optional(),
  /** Rule mode; effective mode is the weakest of global, policy and rule. @defaultValue the policy's mode */
  mode: ruleModeSchema.optional(),
  /** Verdict a violation demands. @defaultValue 'block' */
  verdict: z.enum(['alert', 'block']).default('block'),
  /** Risk points the reason carries. @defaultValue 80 for block, 50 for alert */
  weight: z.number().min(0).max(100).optional(),
  /** Narrows the policy's scope for this rule (identities, classes, environments, owners). */
  scope: scopeSchema.optional(),
};

/** Narrowing filters: the rule only looks at events whose action/resource match. */
const filters = {
  actions: patterns.optional(),
  resources: patterns.optional(),
};

export const allowRuleSchema = z.strictObject({ ...ruleCommon, kind: z.literal('allow'), actions: patterns, resources: patterns.optional() });
export const denyRuleSchema = z.strictObject({ ...ruleCommon, kind: z.literal('deny'), ...filters });
export const timeWindowRuleSchema = z.strictObject({
  ...ruleCommon,
  kind: z.literal('time-window'),
  ...filters,
  timezone: text.default('UTC'),
  windows: z.array(text).min(1, 'list at least one window such as "Mon-Fri 07:00-19:00"'),
});
export const sourceRuleSchema = z.strictObject({
  ...ruleCommon,
  kind: z.literal('source'),
  ...filters,
  cidrs: patterns.optional(),
  asns: z.array(z.union([text, z.number().int().nonnegative()])).min(1).optional(),
  countries: z.array(z.string().regex(/^[A-Za-z]{2}$/, 'use ISO 3166-1 alpha-2 codes such as IE')).min(1).optional(),
  regions: patterns.optional(),
  workloads: patterns.optional(),
  onMissing: z.enum(['violate', 'ignore']).default('violate'),
});
export const rateLimitRuleSchema = z.strictObject({
  ...ruleCommon,
  kind: z.literal('rate-limit'),
  ...filters,
  max: z.number().int().min(1).max(100_000),
  per: text,
});
export const thresholdsRuleSchema = z.strictObject({
  ...ruleCommon,
  kind: z.literal('thresholds'),
  alertAt: z.number().min(0).max(100).optional(),
  blockAt: z.number().min(0).max(100).optional(),
});

export const ruleSchema = z.discriminatedUnion('kind', [
  allowRuleSchema,
  denyRuleSchema,
  timeWindowRuleSchema,
  sourceRuleSchema,
  rateLimitRuleSchema,
  thresholdsRuleSchema,
]);

export const exceptionSchema = z.strictObject({
  id: name,
  /** Rules the exception suspends; omitted means every rule of the policy except deny rules. */
  rules: z.array(name).min(1).optional(),
  /** Identities the exception covers (exact or glob); omitted means the whole policy scope. */
  identities: patterns.optional(),
  actions: patterns.optional(),
  resources: patterns.optional(),
  /** Date (`2026-12-31`, valid through that day, UTC) or RFC 3339 instant. Required: exceptions expire. */
  expires: z.union([text, z.date().transform((d) => d.toISOString())]),
  reason: z.string().trim().min(8, 'say why the exception exists (at least 8 characters)'),
  /** Ticket or approver, for the audit trail. */
  ticket: z.string().optional(),
});

export const policyFileSchema = z.strictObject({
  policy: name,
  description: z.string().optional(),
  /** Default mode of the policy's rules. @defaultValue 'enforce' */
  mode: ruleModeSchema.default('enforce'),
  /** Which identities the policy governs; every listed field must match. Omitted: every identity. */
  scope: scopeSchema.default({}),
  rules: z.array(ruleSchema).min(1, 'a policy needs at least one rule'),
  exceptions: z.array(exceptionSchema).default([]),
});

export type PolicyFileSpec = z.output<typeof policyFileSchema>;
export type RuleSpec = z.output<typeof ruleSchema>;
export type ExceptionSpec = z.output<typeof exceptionSchema>;
export type ScopeSpec = z.output<typeof scopeSchema>;
