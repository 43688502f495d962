import { describe, expect, it } from 'vitest';
import { createNormalizer } from '../../../src/events/index.js';
import { toIsoTime } from '../../../src/events/time.js';

const ct = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ eventVersion: '1.08', userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/a' }, eventTime: '2026-11-20T00:00:00Z', eventSource: 's3.amazonaws.com', eventName: 'GetObject', ...extra });

describe('bad input becomes a reject that keeps the record', () => {
  it('rejects oversized records with the whole record as raw', () => {
    const n = createNormalizer({ events: { maxRecordBytes: 200 } });
    const record = ct({ pad: 'x'.repeat(300) });
    const r = n(record, { file: 'a.jsonl', line: 7 });
    expect(r.events).toEqual([]);
    expect(r.rejects).toEqual([{ reason: 'TOO_LARGE', message: 'record is larger than 200 bytes', format: null, origin: { file: 'a.jsonl', line: 7 }, raw: record }]);
  });
  it('counts bytes, not characters, against the size limit', () => {
    const n = createNormalizer({ events: { maxRecordBytes: 500 } });
    expect(n(ct({ pad: 'é'.repeat(150) }), {}).rejects).toEqual([]);
    expect(n(ct({ pad: '€'.repeat(150) }), {}).rejects[0]?.reason).toBe('TOO_LARGE');
  });
  it('rejects deeply nested JSON', () => {
    const n = createNormalizer({ events: { maxDepth: 10 } });
    const deep = `{"a":${'['.repeat(50)}${']'.repeat(50)}}`;
    expect(n(deep, {}).rejects[0]?.reason).toBe('TOO_DEEP');
    const veryDeep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(createNormalizer({ events: { maxRecordBytes: 1e6 } })(veryDeep, {}).rejects[0]?.reason).toBe('TOO_DEEP');
  });
  it('tells depth from brackets: brackets inside strings do not nest', () => {
    const n = createNormalizer({ events: { maxDepth: 3 } });
    // Three levels (the record, `a`'s object, `b`'s array), the limit: allowed, however many brackets its strings hold.
    expect(n(ct({ a: { b: [1] } }), {}).rejects).toEqual([]);
    expect(n(ct({ a: { b: ['{[{[', '{'] } }), {}).rejects).toEqual([]);
    expect(n(ct({ a: { b: [[1]] } }), {}).rejects[0]?.reason).toBe('TOO_DEEP');
  });
  it('keeps bytes that are not UTF-8 as base64', () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const r = createNormalizer()(bytes, { topic: 't', partition: 0, offset: '9' });
    expect(r.rejects[0]).toMatchObject({ reason: 'MALFORMED_JSON', raw: `base64:${Buffer.from(bytes).toString('base64')}`, origin: { topic: 't', partition: 0, offset: '9' } });
  });
  it('reads UTF-8 bytes like text', () => {
    const r = createNormalizer()(new TextEncoder().encode(ct()), {});
    expect(r.events[0]?.action).toBe('s3:GetObject');
  });
  it('ignores blank records and a byte order mark', () => {
    const n = createNormalizer();
    expect(n('   ', {})).toEqual({ events: [], rejects: [] });
    expect(n(`\ufeff${ct()}`, {}).events).toHaveLength(1);
  });
  it('gives a record without an id the same content id every time, and different records different ids', () => {
    const n = createNormalizer();
    const record = { action: 'repo.create', actor: 'bot', created_at: 1763604000000, org: 'o' };
    const a = n(JSON.stringify(record), {}).events[0]?.id;
    const pretty = n(JSON.stringify(record, null, 2), {}).events[0]?.id;
    const other = n(JSON.stringify({ ...record, org: 'p' }), {}).events[0]?.id;
    expect(a).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(pretty).toBe(a);
    expect(other).not.toBe(a);
  });
  it('keeps the original record under raw only when asked', () => {
    expect(createNormalizer()(ct(), {}).events[0]?.raw).toBeUndefined();
    expect(createNormalizer({ events: { keepRaw: true } })(ct(), {}).events[0]?.raw).toMatchObject({ eventName: 'GetObject' });
  });
  it('refuses an unknown forced format and invalid events config', () => {
    expect(() => createNormalizer({ format: 'syslog' })).toThrow(/unknown format "syslog"/);
    expect(() => createNormalizer({ events: { maxDepth: -1 } })).toThrow(/events config/);
  });
  it('forced format reads records as that format only', () => {
    const r = createNormalizer({ format: 'github' })(ct(), {});
    expect(r.rejects[0]).toMatchObject({ reason: 'MISSING_IDENTITY', format: 'github' });
  });
});

describe('privileged actions', () => {
  it('marks defaults (IAM writes, K8s secrets, GitHub admin) and not ordinary reads', () => {
    const n = createNormalizer();
    expect(n(ct({ eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey' }), {}).events[0]?.privileged).toBe(true);
    expect(n(ct({ eventSource: 'iam.amazonaws.com', eventName: 'GetRole' }), {}).events[0]?.privileged).toBe(false);
    expect(n(ct(), {}).events[0]?.privileged).toBe(false);
  });
  it('marks GCP audit, KMS and secret calls by method name and by IAM permission alike', async () => {
    const { compilePrivileged, DEFAULT_PRIVILEGED_ACTIONS } = await import('../../../src/events/privileged.js');
    const privileged = compilePrivileged(DEFAULT_PRIVILEGED_ACTIONS);
    for (const action of [
      'logging:google.logging.v2.ConfigServiceV2.DeleteSink',
      'logging:logging.sinks.delete',
      'logging:logging.buckets.update',
      'cloudkms:cloudkms.cryptoKeyVersions.destroy',
      'secretmanager:secretmanager.versions.access',
    ]) expect(privileged(action), action).toBe(true);
    expect(privileged('logging:logging.logEntries.list')).toBe(false);
  });
  it('uses a configured list instead of the defaults, plus extras', () => {
    const n = createNormalizer({ events: { privilegedActions: ['s3:get*'], extraPrivilegedActions: ['sqs:*'] } });
    expect(n(ct(), {}).events[0]?.privileged).toBe(true);
    expect(n(ct({ eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey' }), {}).events[0]?.privileged).toBe(false);
    expect(n(ct({ eventSource: 'sqs.amazonaws.com', eventName: 'SendMessage' }), {}).events[0]?.privileged).toBe(true);
  });
});

describe('event time', () => {
  it.each([
    ['2026-11-20T02:17:03.120456789Z', '2026-11-20T02:17:03.120Z'],
    ['2026-11-20T04:17:03+02:00', '2026-11-20T02:17:03.000Z'],
    ['2026-11-20 02:17:03.5 UTC', '2026-11-20T02:17:03.500Z'],
    ['2026-11-20 02:17:03', '2026-11-20T02:17:03.000Z'],
    [1763605023, '2025-11-20T02:17:03.000Z'],
    [1763605023123, '2025-11-20T02:17:03.123Z'],
    ['1763605023123', '2025-11-20T02:17:03.123Z'],
  ])('reads %s', (input, expected) => {
    expect(toIsoTime(input)).toBe(expected);
  });
  it.each([['yesterday'], [''], ['2026-02-30T00:00:00Z'], [-5], [Number.NaN], ['9999-01-01T00:00:00Z'], [{}], [null]])('refuses %s', (input) => {
    expect(toIsoTime(input)).toBeUndefined();
  });
});
