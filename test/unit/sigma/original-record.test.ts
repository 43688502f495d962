/** Events keep a reference to the record they were normalized from, which nothing serializes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNormalizer, originalRecordOf } from '../../../src/events/index.js';

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');

describe('the original record of an event', () => {
  it('is the parsed record itself, for every source Sigma reads (Records files and EventBridge: each inner record)', () => {
    const normalize = createNormalizer();
    const [single] = normalize(lines('test/fixtures/cloudtrail/input.jsonl')[0]!, {}).events;
    expect(originalRecordOf(single!)).toMatchObject({ eventName: 'CreateAccessKey', requestParameters: { userName: 'admin' } });
    const records = normalize(lines('test/fixtures/cloudtrail/input.jsonl')[3]!, {}).events;
    expect(records.map((e) => originalRecordOf(e)?.eventName)).toEqual(['StopLogging', 'DescribeInstances']);
    const [bridged] = normalize(lines('test/fixtures/cloudtrail/input.jsonl')[4]!, {}).events;
    expect(originalRecordOf(bridged!)).toMatchObject({ eventName: 'AttachRolePolicy' });
    expect(originalRecordOf(bridged!)).not.toHaveProperty('detail-type');
    for (const [format, file] of [['k8s', 'test/fixtures/k8s/input.jsonl'], ['github', 'test/fixtures/github/input.jsonl'], ['gcp', 'test/fixtures/gcp/input.jsonl']] as const) {
      const [e] = normalize(lines(file)[0]!, {}).events;
      expect(e?.sourceFormat).toBe(format);
      expect(originalRecordOf(e!)).toEqual(JSON.parse(lines(file)[0]!));
    }
  });

  it('costs no serialization: not in JSON, not in a copy, not in test equality', () => {
    const line = lines('test/fixtures/cloudtrail/input.jsonl')[0]!;
    const [event] = createNormalizer()(line, {}).events;
    const json = JSON.stringify(event);
    expect(json).not.toContain('errorMessage');
    // Not a field of the event: `raw` (keepRaw's) stays undefined, the original is not enumerable.
    expect(event!.raw).toBeUndefined();
    expect(Object.values(event!)).not.toContain(originalRecordOf(event!));
    expect(originalRecordOf(JSON.parse(json))).toBeUndefined();
    expect(originalRecordOf(structuredClone(event!))).toBeUndefined();
    const [again] = createNormalizer()(line, {}).events;
    expect(event).toEqual(JSON.parse(JSON.stringify(again)));
  });

  it('falls back to a native event\'s raw field (events.keepRaw upstream), and is absent otherwise', () => {
    const normalize = createNormalizer({ format: 'warden' });
    const withRaw = normalize(JSON.stringify({ id: 'n1', time: '2026-11-29T00:00:00Z', identity: { id: 'svc' }, action: 'cloudtrail:StopLogging', sourceFormat: 'cloudtrail', raw: { eventName: 'StopLogging' } }), {}).events[0]!;
    expect(originalRecordOf(withRaw)).toEqual({ eventName: 'StopLogging' });
    const plain = normalize(JSON.stringify({ id: 'n2', time: '2026-11-29T00:00:00Z', identity: { id: 'svc' }, action: 's3:GetObject' }), {}).events[0]!;
    expect(originalRecordOf(plain)).toBeUndefined();
  });

  it('is not kept by a normalizer told no Sigma rule will read it (warden normalize, run without sigma.dirs)', () => {
    const [event] = createNormalizer({ keepOriginal: false })(lines('test/fixtures/cloudtrail/input.jsonl')[0]!, {}).events;
    expect(event?.action).toBe('iam:CreateAccessKey');
    expect(originalRecordOf(event!)).toBeUndefined();
  });
});
