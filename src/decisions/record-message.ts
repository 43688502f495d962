/**
 * The first steps of reading a signed record from a compacted table topic (blocks, approvals):
 * a tombstone, a value that is not JSON and one of the wrong shape are told apart, with a detail
 * for the log and the rejected-records metric. Signature and key checks follow in each decoder.
 */
export type RecordMessageProblem = { ok: false; reason: 'tombstone' | 'not-json' | 'malformed'; detail: string };

export function parseRecordMessage(key: Buffer | null, value: Buffer | null, shapeProblem: (parsed: unknown) => string | null): { ok: true; parsed: unknown } | RecordMessageProblem {
  if (value === null) return { ok: false, reason: 'tombstone', detail: `tombstone for ${key?.toString() ?? '(no key)'}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not-json', detail: 'value is not JSON' };
  }
  const problem = shapeProblem(parsed);
  if (problem) return { ok: false, reason: 'malformed', detail: problem };
  return { ok: true, parsed };
}
