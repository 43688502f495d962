/**
 * Producers' JSON in the native format is read liberally but never guessed at (docs/formats.md,
 * "Native format: what is accepted"): `null` means absent everywhere, an identity type outside
 * the enum becomes `unknown` with the producer's word kept, wrong-typed optional fields are
 * dropped with a note, and only the required fields reject. Such events must reach a decision,
 * not the dead-letter topic.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBaselineStore } from '../../src/baseline/store-memory.js';
import { parseConfig } from '../../src/config/load.js';
import type { Decision } from '../../src/decisions/decision.js';
import { createNormalizer, wardenEventSchema } from '../../src/events/index.js';
import type { WardenEvent } from '../../src/events/index.js';
import { parseNativeEvent } from '../../src/events/native.js';
import { toEvent } from '../../src/cli/support/event-input.js';
import { replayEvents } from '../../src/pipeline/replay.js';
import { createDecider } from '../../src/scoring/decider.js';
import { createEmptyPolicy, createInventoryResolver } from '../helpers/decision-context.js';

const normalize = createNormalizer({ format: 'warden' });

/** A record as the producer that had 88 % of its events dead-lettered writes them. */
const nullProducer = {
  id: 'evt-null-1',
  time: '2026-11-20T03:00:00Z',
  identity: { id: 'svc-exporter', type: null, tokenId: null, sessionId: null, delegationChain: null },
  action: 's3:GetObject',
  resource: null,
  outcome: null,
  source: { ip: null, userAgent: null, region: null, workload: null, asn: null, country: null },
  environment: null,
  privileged: null,
  bytes: null,
  rows: null,
  readOnly: null,
  sourceFormat: null,
  attributes: null,
  raw: null,
};

function one(value: unknown): WardenEvent {
  const result = normalize(JSON.stringify(value), { line: 1 });
  expect(result.rejects).toEqual([]);
  expect(result.events).toHaveLength(1);
  return result.events[0] as WardenEvent;
}

function rejectOf(value: unknown): { reason: string; message: string } {
  const result = normalize(JSON.stringify(value), { line: 1 });
  expect(result.events).toEqual([]);
  expect(result.rejects).toHaveLength(1);
  const [r] = result.rejects;
  return { reason: r?.reason ?? '', message: r?.message ?? '' };
}

/** Every null anywhere in a value (attributes and raw excepted: they are the producer's). */
function nullPaths(value: unknown, path = ''): string[] {
  if (value === null) return [path];
  if (typeof value !== 'object') return [];
  return Object.entries(value as object).flatMap(([k, v]) => (k === 'attributes' || k === 'raw' ? [] : nullPaths(v, path ? `${path}.${k}` : k)));
}

describe('native producer JSON: null means absent', () => {
  it('accepts a record with null in every optional field and carries no null', () => {
    const event = one(nullProducer);
    expect(nullPaths(event)).toEqual([]);
    expect(event).toEqual({ id: 'evt-null-1', time: '2026-11-20T03:00:00.000Z', identity: { id: 'svc-exporter' }, action: 's3:GetObject', privileged: false, sourceFormat: 'warden' });
  });

  it('treats null the same at the top level and inside source and identity (asn: null like rows: null)', () => {
    const event = one({ id: 'e', time: '2026-11-20T03:00:00Z', identity: { id: 'a', tokenId: null }, action: 's3:GetObject', rows: null, source: { ip: '10.0.0.1', asn: null } });
    expect(event.source).toEqual({ ip: '10.0.0.1' });
    // Absent, as a field never given: undefined, and left out of the JSON (events keep every field
    // of the type in one order, the absent ones undefined: one hidden class, see eventLayout).
    expect(event.rows).toBeUndefined();
    expect(event.identity.tokenId).toBeUndefined();
    expect(JSON.parse(JSON.stringify(event))).toEqual({ id: 'e', time: '2026-11-20T03:00:00.000Z', identity: { id: 'a' }, action: 's3:GetObject', source: { ip: '10.0.0.1' }, privileged: false, sourceFormat: 'warden' });
  });

  it('keeps the contents of attributes as the producer wrote them', () => {
    expect(one({ id: 'e', time: '2026-11-20T03:00:00Z', identity: { id: 'a' }, action: 'x:Y', attributes: { ticket: null, n: 1 } }).attributes).toEqual({ ticket: null, n: 1 });
  });
});

describe('native producer JSON: identity types', () => {
  it.each(['k8s_service_account', 'ci_pipeline', 'gitlab-runner'])('an identity type %s outside the enum becomes unknown and keeps the word', (type) => {
    const event = one({ id: 'e', time: '2026-11-20T03:00:00Z', identity: { id: 'a', type }, action: 'x:Y', attributes: { team: 'ci' } });
    expect(event.identity.type).toBe('unknown');
    expect(event.attributes).toEqual({ team: 'ci', identityType: type });
  });

  it('forgives case and dashes in an enum type', () => {
    expect(one({ id: 'e', time: '2026-11-20T03:00:00Z', identity: { id: 'a', type: 'Service-Account' }, action: 'x:Y' }).identity.type).toBe('service_account');
  });

  it('does not mutate the parsed record (keepRaw shows what the producer sent)', () => {
    const record = { id: 'e', time: '2026-11-20T03:00:00Z', identity: { id: 'a', type: 'ci_pipeline' }, action: 'x:Y', attributes: { team: 'ci' } };
    const parsed = parseNativeEvent(record);
    expect(parsed.ok).toBe(true);
    expect(record.attributes).toEqual({ team: 'ci' });
  });
});

describe('native producer JSON: wrong types in optional fields', () => {
  it('drops them with the original value noted under attributes.droppedFields', () => {
    const event = one({
      id: 'e',
      time: '2026-11-20T03:00:00Z',
      identity: { id: 'a', type: 7, delegationChain: [1], namespace: 'ops' },
      action: 'ec2:DescribeInstances',
      privileged: 'yes',
      readOnly: 1,
      bytes: '12',
      rows: -1,
      outcome: 'maybe',
      source: '10.0.0.1',
      colour: 'blue',
    });
    expect(event.identity).toEqual({ id: 'a', type: 'unknown' });
    expect(event.attributes).toEqual({
      droppedFields: { 'identity.type': 7, 'identity.delegationChain': [1], 'identity.namespace': 'ops', privileged: 'yes', readOnly: 1, bytes: '12', rows: -1, outcome: 'maybe', source: '10.0.0.1', colour: 'blue' },
    });
    // privileged falls back to the configured list of privileged actions.
    expect(event.privileged).toBe(false);
  });

  it('takes numbers in text fields as their text (asn: 16509 → AS16509)', () => {
    const event = one({ id: 'e', time: '2026-11-20T03:00:00Z', identity: { id: 'a', tokenId: 1234 }, action: 'x:Y', source: { asn: 16509 }, environment: 3 });
    expect(event.source).toEqual({ asn: 'AS16509' });
    expect(event.identity.tokenId).toBe('1234');
    expect(event.environment).toBe('3');
  });
});

describe('native producer JSON: required fields still reject, precisely', () => {
  const base = { id: 'e', time: '2026-11-20T03:00:00Z', identity: { id: 'a' }, action: 'x:Y' };
  it.each([
    [{ ...base, id: null }, 'INVALID_EVENT', 'id: required'],
    [{ ...base, id: 12 }, 'INVALID_EVENT', 'id: expected a non-empty string, got a number'],
    [{ ...base, identity: null }, 'MISSING_IDENTITY', 'native event has no identity'],
    [{ ...base, identity: 'svc-a' }, 'INVALID_EVENT', 'identity: expected an object, got a string'],
    [{ ...base, identity: { id: null } }, 'MISSING_IDENTITY', 'native event has no identity.id'],
    [{ ...base, identity: { id: 5 } }, 'INVALID_EVENT', 'identity.id: expected a non-empty string, got a number'],
    [{ ...base, action: null }, 'MISSING_ACTION', 'native event has no action'],
    [{ ...base, action: ['x'] }, 'INVALID_EVENT', 'action: expected a non-empty string, got an array'],
    [{ ...base, time: null }, 'MISSING_TIME', 'native event has no time'],
    [{ ...base, time: 'yesterday' }, 'BAD_TIMESTAMP', '"yesterday" is not a valid time'],
    [{ ...base, time: {} }, 'BAD_TIMESTAMP', 'an object is not a valid time'],
  ])('%j → %s', (record, reason, message) => {
    const r = rejectOf(record);
    expect(r.reason).toBe(reason);
    expect(r.message).toContain(message);
  });
});

describe('one notion of a valid native event', () => {
  const records: unknown[] = [nullProducer, { id: 'e', time: '2026-11-20T03:00:00Z', identity: { id: 'a', type: 'ci_pipeline' }, action: 'x:Y' }, { id: 'e', identity: { id: 'a' }, action: 'x:Y' }, { id: 'e', time: 1, identity: {}, action: 'x' }];
  it.each(records.map((r, i) => [i, r] as const))('record %i: the normalizer, wardenEventSchema and `explain --event` agree', (_i, record) => {
    const viaNormalizer = normalize(JSON.stringify(record), { line: 1 });
    const viaSchema = wardenEventSchema.safeParse(record);
    const viaExplain = toEvent(record);
    expect(viaSchema.success).toBe(viaNormalizer.events.length === 1);
    expect(typeof viaExplain !== 'string').toBe(viaNormalizer.events.length === 1);
    if (viaSchema.success) {
      const { privileged: _p, sourceFormat: _s, ...fromNormalizer } = viaNormalizer.events[0] as WardenEvent;
      expect(viaSchema.data).toEqual(fromNormalizer);
      expect(viaExplain).toEqual(fromNormalizer);
    } else {
      expect(viaExplain).toContain(viaNormalizer.rejects[0]?.message);
    }
  });
});

describe('liberal producer events are decided, not dead-lettered', () => {
  it('a batch of null-filled and unknown-type records each gets a decision', async () => {
    const lines = [
      nullProducer,
      { ...nullProducer, id: 'evt-null-2', identity: { id: 'system:serviceaccount:ci:builder', type: 'k8s_service_account', tokenId: null }, action: 'k8s:get:secrets', source: null },
      { ...nullProducer, id: 'evt-null-3', identity: { id: 'gitlab-deploy', type: 'ci_pipeline' }, action: 'iam:CreateAccessKey', source: { ip: '203.0.113.9', asn: null } },
    ].map((r) => JSON.stringify(r));
    const events: WardenEvent[] = [];
    for (const [i, line] of lines.entries()) {
      const result = normalize(line, { line: i + 1 });
      expect(result.rejects).toEqual([]);
      events.push(...result.events);
    }
    const config = parseConfig('{}', 'test');
    const decider = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore() });
    const decisions: Decision[] = [];
    await replayEvents(events, decider, (ds) => void decisions.push(...ds));
    expect(decisions.map((d) => d.eventId)).toEqual(['evt-null-1', 'evt-null-2', 'evt-null-3']);
    for (const d of decisions) expect(['allow', 'alert', 'block']).toContain(d.verdict);
    expect(decisions[1]?.identity).toBe('system:serviceaccount:ci:builder');
  });
});
