/** Whatever the bytes, no normalizer throws, and every record comes out as events or rejects. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNormalizer, FORMATS } from '../../../src/events/index.js';

const formats = ['auto', ...FORMATS];
const normalizers = formats.map((format) => createNormalizer({ format }));
const origin = { topic: 'audit.events', partition: 3, offset: '42' };

// JSON values shaped like the formats' envelopes, with arbitrary leaves, to reach deep code paths.
const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const keys = fc.constantFrom('Records', 'detail', 'detail-type', 'userIdentity', 'eventName', 'eventSource', 'eventTime', 'type', 'arn',
  'kind', 'items', 'apiVersion', 'auditID', 'stage', 'verb', 'user', 'username', 'objectRef', 'protoPayload', 'authenticationInfo',
  'principalEmail', 'methodName', 'timestamp', 'action', 'actor', 'created_at', '@timestamp', 'message', 'id', 'time', 'identity',
  // OCSF (Security Lake): class, api call, actor, unmapped CloudTrail leftovers.
  'class_uid', 'class_name', 'activity_id', 'status_id', 'metadata', 'api', 'operation', 'service', 'name', 'request', 'response',
  'data', 'error', 'uid', 'uid_alt', 'uuid', 'session', 'issuer', 'is_mfa', 'invoked_by', 'resources', 'unmapped',
  'requestParameters', 'additionalEventData', 'readOnly');
const shaped = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), fc.array(tie('value'), { maxLength: 3 })),
  object: fc.dictionary(keys, tie('value'), { maxKeys: 6 }),
})).value;

/** `[]`, `{"Records":[]}` and an EventList without items hold no record to lose. */
function isEmptyContainer(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isEmptyContainer);
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const list = Array.isArray(v.Records) ? v.Records : Array.isArray(v.items) ? v.items : undefined;
  return list !== undefined && list.every(isEmptyContainer);
}

describe('normalizers never throw', () => {
  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        for (const n of normalizers) {
          const r = n(bytes, origin);
          expect(Array.isArray(r.events) && Array.isArray(r.rejects)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        for (const n of normalizers) n(text, origin);
      }),
      { numRuns: 300 },
    );
  });
  it('on arbitrary JSON shaped like audit envelopes, losing no record', () => {
    fc.assert(
      fc.property(shaped, (value) => {
        const text = JSON.stringify(value);
        for (const n of normalizers) {
          const r = n(text, origin);
          if (r.events.length === 0 && (r.skipped ?? 0) === 0 && !isEmptyContainer(value)) {
            expect(r.rejects.length).toBeGreaterThan(0);
          }
          for (const reject of r.rejects) expect(reject.origin).toEqual(origin);
          for (const e of r.events) {
            expect(typeof e.id).toBe('string');
            expect(e.identity.id.length).toBeGreaterThan(0);
            expect(new Date(e.time).toISOString()).toBe(e.time);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
  it('on OCSF API Activity records with arbitrary field values, losing no record', () => {
    const any = fc.oneof(leaf, shaped);
    const ocsf = fc.record({
      class_uid: fc.oneof(fc.constant(6003), fc.constant('6003'), fc.constant(3001), leaf),
      activity_id: any, status_id: any, status: any, status_code: any, time: fc.oneof(fc.integer(), fc.double(), leaf), time_dt: any,
      metadata: fc.oneof(fc.record({ uid: any, event_code: any }), leaf),
      api: fc.oneof(fc.record({ operation: any, service: fc.oneof(fc.record({ name: any }), leaf), request: fc.oneof(fc.record({ uid: any, data: any }), leaf), response: fc.oneof(fc.record({ error: any, data: any }), leaf) }), leaf),
      actor: fc.oneof(fc.record({
        user: fc.oneof(fc.record({ type: any, uid: any, uid_alt: any, uuid: any, name: any, account: fc.oneof(fc.record({ uid: any }), leaf), account_uid: any, credential_uid: any }), leaf),
        session: fc.oneof(fc.record({ issuer: any, is_mfa: any, mfa: any }), leaf), invoked_by: any,
      }), leaf),
      src_endpoint: fc.oneof(fc.record({ ip: any, domain: any, uid: any }), leaf), cloud: fc.oneof(fc.record({ region: any, account: any, account_uid: any }), leaf),
      resources: fc.oneof(fc.array(fc.oneof(fc.record({ uid: any, type: any }), leaf), { maxLength: 3 }), leaf),
      unmapped: fc.oneof(fc.dictionary(fc.constantFrom('requestParameters', 'responseElements', 'additionalEventData', 'readOnly', 'requestParameters.bucketName', 'recipientAccountId'),
        fc.oneof(any, fc.json())), leaf),
    }, { requiredKeys: ['class_uid'] });
    const ocsfNormalizers = [createNormalizer(), createNormalizer({ format: 'ocsf' })];
    fc.assert(
      fc.property(ocsf, (value) => {
        for (const n of ocsfNormalizers) {
          const r = n(JSON.stringify(value), origin);
          expect(r.events.length + r.rejects.length).toBeGreaterThan(0);
          for (const e of r.events) {
            expect(e.identity.id.length).toBeGreaterThan(0);
            expect(new Date(e.time).toISOString()).toBe(e.time);
            expect(e.action).toMatch(/^[^:]+:.+/);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
  it('on arbitrary JSON from fast-check', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        for (const n of normalizers) n(text, origin);
      }),
      { numRuns: 300 },
    );
  });
});

describe('found by the fuzzer', () => {
  it('an empty `items` without `kind: EventList` is rejected by the k8s normalizer, an empty EventList is not', () => {
    const k8s = createNormalizer({ format: 'k8s' });
    // Seed -2046520361 of the envelope property: it had produced neither events nor rejects.
    expect(k8s('{"items":[],"Records":[""]}', origin).rejects).toHaveLength(1);
    expect(k8s('{"items":[]}', origin).rejects).toHaveLength(1);
    expect(k8s('{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}', origin)).toEqual({ events: [], rejects: [] });
  });
});
