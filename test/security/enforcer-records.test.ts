/**
 * What an enforcer accepts from the blocks topic, without Kafka: the same intake the Kafka-fed
 * Enforcer uses (src/enforcer/record-intake.ts) in front of the same table. A record is applied
 * only when it verifies under a trusted key, is filed under its own key, is not older than one
 * already applied, and has not expired. And the gateway's HTTP parser refuses oversized and
 * smuggled requests before anything else sees them.
 * Kafka-bound counterparts stay in test/integration/enforcer/enforcer.test.ts.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner, createVerifier, generateKeyPair } from '../../src/decisions/signing.js';
import type { BlockRecord } from '../../src/decisions/block-record.js';
import { BlockTable } from '../../src/enforcer/block-table.js';
import type { TableChange } from '../../src/enforcer/block-table.js';
import { BlockRecordIntake } from '../../src/enforcer/record-intake.js';
import { startHarness } from './helpers.js';
import type { Harness } from './helpers.js';

const T0 = Date.parse('2026-11-20T02:00:00Z');
const trusted = generateKeyPair();
const signer = createSigner(trusted.privateKeyPem);
const attacker = createSigner(generateKeyPair().privateKeyPem);

function record(identity: string, overrides: Partial<BlockRecord> = {}): BlockRecord {
  return { identity, state: 'block', reason: 'r', decisionId: null, source: 'operator:alice', createdAt: new Date(T0).toISOString(), expiresAt: null, ...overrides };
}

function lift(identity: string, createdAtMs: number): BlockRecord {
  return record(identity, { state: 'lift', createdAt: new Date(createdAtMs).toISOString() });
}

function enforcer(): { feed: (key: string, value: unknown, nowMs?: number) => ReturnType<BlockRecordIntake['take']>; allowed: (identity: string, nowMs?: number) => boolean; sweep: (nowMs: number) => number; changes: string[] } {
  const changes: string[] = [];
  const table = new BlockTable((c: TableChange) => changes.push(`${c.type} ${'block' in c ? c.block.key : c.key}`));
  const intake = new BlockRecordIntake(createVerifier([trusted.publicKeyPem]), table);
  return {
    feed: (key, value, nowMs = T0) => intake.take(Buffer.from(key), Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), nowMs),
    allowed: (identity, nowMs = T0) => table.check(identity, undefined, undefined, nowMs).allowed,
    sweep: (nowMs) => table.sweep(nowMs),
    changes,
  };
}

describe('block records an enforcer must not apply', () => {
  it('unsigned block: rejected, the identity stays allowed', () => {
    const e = enforcer();
    expect(e.feed('svc-a', record('svc-a'))).toMatchObject({ outcome: 'rejected', reason: 'bad-signature', detail: 'unsigned' });
    expect(e.allowed('svc-a')).toBe(true);
  });

  it('forged block (signed by an untrusted key): rejected', () => {
    const e = enforcer();
    expect(e.feed('svc-a', attacker.sign(record('svc-a')))).toMatchObject({ outcome: 'rejected', reason: 'bad-signature' });
    expect(e.allowed('svc-a')).toBe(true);
  });

  it('forged lift: an untrusted, unsigned or tampered lift cannot end a block', () => {
    const e = enforcer();
    expect(e.feed('svc-a', signer.sign(record('svc-a')))).toMatchObject({ outcome: 'applied' });
    const later = T0 + 1000;
    expect(e.feed('svc-a', attacker.sign(lift('svc-a', later)))).toMatchObject({ outcome: 'rejected', reason: 'bad-signature' });
    expect(e.feed('svc-a', lift('svc-a', later))).toMatchObject({ outcome: 'rejected', reason: 'bad-signature' });
    // A genuine block's signature on a record whose state was changed to lift.
    expect(e.feed('svc-a', { ...signer.sign(record('svc-a')), state: 'lift' })).toMatchObject({ outcome: 'rejected', reason: 'bad-signature' });
    expect(e.allowed('svc-a')).toBe(false);
    expect(e.changes).toEqual(['block svc-a']);
  });

  it('re-keyed record: a validly signed record filed under another key is rejected', () => {
    const e = enforcer();
    const signed = signer.sign(record('svc-a'));
    expect(e.feed('svc-b', signed)).toMatchObject({ outcome: 'rejected', reason: 'key-mismatch' });
    expect(e.feed('svc-a|tok-1', signed)).toMatchObject({ outcome: 'rejected', reason: 'key-mismatch' });
    expect(e.allowed('svc-a')).toBe(true);
    expect(e.allowed('svc-b')).toBe(true);
  });

  it('replayed lift: a validly signed lift older than the block in force is ignored; a newer one applies', () => {
    const e = enforcer();
    const oldLift = signer.sign(lift('svc-a', T0 - 60_000));
    expect(e.feed('svc-a', signer.sign(record('svc-a')))).toMatchObject({ outcome: 'applied' });
    expect(e.feed('svc-a', oldLift)).toMatchObject({ outcome: 'out-of-date', key: 'svc-a' });
    expect(e.allowed('svc-a')).toBe(false);
    expect(e.feed('svc-a', signer.sign(lift('svc-a', T0 + 1)))).toMatchObject({ outcome: 'applied' });
    expect(e.allowed('svc-a')).toBe(true);
  });

  it('junk and malformed records are rejected; tombstones are skipped', () => {
    const e = enforcer();
    expect(e.feed('svc-a', '{nope')).toMatchObject({ outcome: 'rejected', reason: 'not-json' });
    expect(e.feed('svc-a', { ...record('svc-a'), state: 'maybe' })).toMatchObject({ outcome: 'rejected', reason: 'malformed' });
    expect(e.feed('svc-a', { ...record('svc-a'), expiresAt: 'tomorrow' })).toMatchObject({ outcome: 'rejected', reason: 'malformed' });
    const table = new BlockTable();
    expect(new BlockRecordIntake(createVerifier([trusted.publicKeyPem]), table).take(Buffer.from('svc-a'), null, T0)).toEqual({ outcome: 'tombstone' });
  });

  it('expired block: one already expired when read is not applied and announces nothing', () => {
    const e = enforcer();
    expect(e.feed('svc-a', signer.sign(record('svc-a', { expiresAt: new Date(T0 - 1).toISOString() })))).toMatchObject({ outcome: 'applied' });
    expect(e.allowed('svc-a')).toBe(true);
    expect(e.changes).toEqual([]);
  });

  it('expired block: a block stops applying by itself at expiresAt (on lookup or sweep), with one expire notice', () => {
    const e = enforcer();
    e.feed('svc-a', signer.sign(record('svc-a', { expiresAt: new Date(T0 + 60_000).toISOString() })));
    e.feed('svc-b', signer.sign(record('svc-b', { expiresAt: new Date(T0 + 30_000).toISOString() })));
    e.feed('svc-forever', signer.sign(record('svc-forever')));
    expect(e.sweep(T0 + 30_000)).toBe(1);
    expect(e.sweep(T0 + 30_000)).toBe(0);
    expect(e.allowed('svc-b', T0 + 30_000)).toBe(true);
    expect(e.allowed('svc-a', T0 + 59_999)).toBe(false);
    expect(e.allowed('svc-a', T0 + 60_000)).toBe(true);
    expect(e.allowed('svc-a', T0 + 60_001)).toBe(true);
    expect(e.allowed('svc-forever', T0 + 365 * 86_400_000)).toBe(false);
    expect(e.changes).toEqual(['block svc-a', 'block svc-b', 'block svc-forever', 'expire svc-b', 'expire svc-a']);
  });
});

/** Writes `text` as is and returns the status line (the gateway closes after these errors). */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    setTimeout(() => socket.destroy(), 2000).unref();
  });
}

describe('oversized and smuggled requests never reach the upstream', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const head = 'Host: 127.0.0.1\r\nX-Warden-Identity: svc-ok\r\n';
  const cases: Array<[string, string, number]> = [
    ['one oversized header', `GET /public/x HTTP/1.1\r\n${head}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['too many headers in total', `GET /public/x HTTP/1.1\r\n${head}${Array.from({ length: 3000 }, (_, i) => `X-${i}: v`).join('\r\n')}\r\n\r\n`, 431],
    ['Content-Length with Transfer-Encoding', `POST /public/x HTTP/1.1\r\n${head}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
    ['two different Content-Length', `POST /public/x HTTP/1.1\r\n${head}Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde`, 400],
    ['a Transfer-Encoding that does not end in chunked', `POST /public/x HTTP/1.1\r\n${head}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`, 400],
    ['an obs-folded header', `GET /public/x HTTP/1.1\r\n${head}X-A: a\r\n b\r\n\r\n`, 400],
    ['a space before the colon', `GET /public/x HTTP/1.1\r\n${head}X-Warden-Identity : svc-a\r\n\r\n`, 400],
    ['bare LF line endings', `GET /public/x HTTP/1.1\n${head.replaceAll('\r\n', '\n')}\n`, 400],
  ];
  for (const [name, text, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const before = h.seen.length;
      expect(await rawExchange(h.gateway.port, text)).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(h.seen.length).toBe(before);
    });
  }
});
