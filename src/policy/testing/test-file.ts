/**
 * Policy test files (`*.test.yaml`), in the spirit of `opa test`: each case feeds one or more
 * events and states the verdict and reason codes expected for the last one, as decided by the
 * decider of replay from an empty baseline. Earlier events build up state (rate limits, finding
 * de-duplication, the identity's first baseline); each case starts from fresh state.
 */
import { z } from 'zod';
import { WardenValidationError } from '../../errors.js';
import type { ValidationIssue } from '../../errors.js';
import { formatPath, locate, parseYamlSource, zodIssues } from '../../common/yaml-source.js';
import { isReasonCode } from '../../decisions/reason-codes.js';
import type { WardenEvent } from '../../events/event.js';

const verdict = z.enum(['allow', 'alert', 'block']);

/** A partial event: merged over the file's `defaults`; `id` is generated when absent. */
const partialEvent = z.record(z.string(), z.unknown());

const caseSchema = z.strictObject({
  name: z.string().trim().min(1),
  event: partialEvent.optional(),
  events: z.array(partialEvent).min(1).optional(),
  expect: z.strictObject({
    verdict,
    /**
     * Exact set of the identity and policy reason codes on the last event (order does not matter).
     * Reasons of the other stages (technique knowledge, baseline, model) weigh in the verdict and
     * are printed, but are not part of this set: see `techniques`.
     */
    reasons: z.array(z.string()).optional(),
    /** Exact set of ATT&CK technique ids the knowledge pack weighed in (`ATTACK_TECHNIQUE` reasons). */
    techniques: z.array(z.string()).optional(),
    /** Rules (`policy/rule`) expected among those that fired. */
    rules: z.array(z.string()).optional(),
    /** Verdict shadow rules would have published. */
    wouldBe: verdict.optional(),
  }),
});

const testFileSchema = z.strictObject({
  /** Inventory to resolve identities with, relative to this file. @defaultValue the command's --identities */
  identities: z.string().optional(),
  defaults: partialEvent.default({}),
  cases: z.array(caseSchema).min(1),
});

const eventSchema = z.looseObject({
  id: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  identity: z.looseObject({ id: z.string().min(1), tokenId: z.string().optional() }),
  action: z.string().min(1),
  resource: z.string().optional(),
  environment: z.string().optional(),
  source: z.looseObject({}).optional(),
});

export interface PolicyTestCase {
  name: string;
  events: WardenEvent[];
  expect: z.output<typeof caseSchema>['expect'];
  line?: number;
}

export interface PolicyTestSuite {
  file: string;
  identities?: string;
  cases: PolicyTestCase[];
}

function merge(defaults: Record<string, unknown>, event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults, ...event };
  for (const key of ['identity', 'source', 'attributes']) {
    const d = defaults[key];
    const e = event[key];
    if (d && e && typeof d === 'object' && typeof e === 'object') out[key] = { ...d, ...e };
  }
  return out;
}

export function parsePolicyTestFile(text: string, file: string): PolicyTestSuite {
  const source = parseYamlSource(text, file, 'WARDEN_POLICY_INVALID');
  const parsed = testFileSchema.safeParse(source.doc.toJS() ?? {});
  if (!parsed.success) throw new WardenValidationError('WARDEN_POLICY_INVALID', zodIssues(source, parsed.error));
  const issues: ValidationIssue[] = [];
  const cases = parsed.data.cases.map((c, i): PolicyTestCase => {
    const at = ['cases', i];
    if ((c.event === undefined) === (c.events === undefined)) {
      issues.push({ file, ...locate(source, at), field: formatPath(at), message: 'give exactly one of event or events' });
    }
    c.expect.reasons?.forEach((code, k) => {
      const path = [...at, 'expect', 'reasons', k];
      if (!isReasonCode(code)) issues.push({ file, ...locate(source, path), field: formatPath(path), message: `unknown reason code "${code}" (see docs/reason-codes.md)` });
    });
    const raw = c.events ?? (c.event ? [c.event] : []);
    const events = raw.map((e, k) => {
      const path = c.events ? [...at, 'events', k] : [...at, 'event'];
      const merged = merge(parsed.data.defaults, { id: `${i + 1}.${k + 1}`, ...e });
      const ok = eventSchema.safeParse(merged);
      if (!ok.success) issues.push(...zodIssues(source, ok.error, path));
      return merged as unknown as WardenEvent;
    });
    return { name: c.name, events, expect: c.expect, line: locate(source, at).line };
  });
  if (issues.length > 0) throw new WardenValidationError('WARDEN_POLICY_INVALID', issues);
  return { file, identities: parsed.data.identities, cases };
}
