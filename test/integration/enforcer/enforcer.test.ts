import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import { createEnforcer } from '../../../src/enforcer/enforcer.js';
import type { Enforcer } from '../../../src/enforcer/enforcer.js';
import { eventually, kafkaBrokers, testKafka, uniqueName } from '../helpers/services.js';
import { blockRecord, createBlocksTopic, newKeys, send } from './helpers.js';

const keys = newKeys();
const kafka = testKafka();
let admin: Admin;
let producer: Producer;
const cleanups: Array<() => Promise<void>> = [];
const enforcers: Enforcer[] = [];

function enforcerOn(topic: string, extra: Partial<Parameters<typeof createEnforcer>[0]> = {}): Enforcer {
  const enforcer = createEnforcer({ brokers: kafkaBrokers(), topic, publicKeys: [keys.pair.publicKeyPem], failMode: 'open', ...extra });
  enforcers.push(enforcer);
  return enforcer;
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await Promise.all(enforcers.map((e) => e.close()));
  await producer.disconnect();
  for (const cleanup of cleanups) await cleanup();
  await admin.disconnect();
});

describe('enforcer SDK against the real broker', () => {
  it('catches up from a compacted topic written before it started: latest record per key wins', async () => {
    const topic = uniqueName('blocks');
    cleanups.push(await createBlocksTopic(admin, topic));
    const s = keys.signer;
    await send(producer, topic, [
      s.sign(blockRecord('svc-a')),
      s.sign(blockRecord('svc-b')),
      s.sign(blockRecord('svc-b', { state: 'lift', reason: 'false positive', expiresAt: null, createdAt: new Date(Date.now() + 1).toISOString() })),
      s.sign(blockRecord('svc-c', { tokenId: 'tok-1' })),
      s.sign(blockRecord('svc-old', { expiresAt: new Date(Date.now() - 1000).toISOString() })),
    ]);
    const enforcer = enforcerOn(topic);
    await enforcer.ready(60_000);
    expect(enforcer.check('svc-a')).toMatchObject({ allowed: false, reason: 'test block of svc-a', decisionId: 'dec-svc-a' });
    expect(enforcer.check('svc-b').allowed).toBe(true);
    expect(enforcer.check('svc-c', 'tok-1').allowed).toBe(false);
    expect(enforcer.check('svc-c', 'tok-2').allowed).toBe(true);
    expect(enforcer.check('svc-old').allowed).toBe(true);
    expect(enforcer.list().map((b) => b.key).sort()).toEqual(['svc-a', 'svc-c|tok-1']);
  });

  it('enforces a block published after start, re-allows after a lift, and emits the changes', async () => {
    const topic = uniqueName('blocks');
    cleanups.push(await createBlocksTopic(admin, topic));
    const enforcer = enforcerOn(topic);
    await enforcer.ready(60_000);
    const seen: string[] = [];
    enforcer.on('block', (b) => seen.push(`block ${b.key}`));
    enforcer.on('lift', (l) => seen.push(`lift ${l.key}`));
    expect(enforcer.check('svc-deployer').allowed).toBe(true);
    await send(producer, topic, [keys.signer.sign(blockRecord('svc-deployer'))]);
    await eventually(() => !enforcer.check('svc-deployer').allowed, 30_000, 'block applied');
    await send(producer, topic, [keys.signer.sign(blockRecord('svc-deployer', { state: 'lift', expiresAt: null, createdAt: new Date(Date.now() + 5).toISOString() }))]);
    await eventually(() => enforcer.check('svc-deployer').allowed, 30_000, 'lift applied');
    expect(seen).toEqual(['block svc-deployer', 'lift svc-deployer']);
  });

  it('ignores forged, unsigned, mis-keyed and replayed records', async () => {
    const topic = uniqueName('blocks');
    cleanups.push(await createBlocksTopic(admin, topic));
    const attacker = newKeys();
    const liftLater = keys.signer.sign(blockRecord('svc-x', { state: 'lift', expiresAt: null, createdAt: new Date(Date.now() - 60_000).toISOString() }));
    const tampered = { ...keys.signer.sign(blockRecord('svc-y')), state: 'lift' as const };
    await send(producer, topic, [
      attacker.signer.sign(blockRecord('svc-forged')),
      blockRecord('svc-unsigned'),
      { key: 'svc-z', value: JSON.stringify(keys.signer.sign(blockRecord('svc-other'))) },
      { key: 'svc-junk', value: 'not json' },
      keys.signer.sign(blockRecord('svc-x')),
      liftLater, // validly signed but older than the block: a replay
      keys.signer.sign(blockRecord('svc-y')),
      tampered,
    ]);
    const enforcer = enforcerOn(topic);
    const rejected: string[] = [];
    enforcer.on('rejected', (r) => rejected.push(r.reason));
    await enforcer.ready(60_000);
    expect(enforcer.check('svc-forged').allowed).toBe(true);
    expect(enforcer.check('svc-unsigned').allowed).toBe(true);
    expect(enforcer.check('svc-other').allowed).toBe(true);
    expect(enforcer.check('svc-x').allowed).toBe(false);
    expect(enforcer.check('svc-y').allowed).toBe(false);
    expect(rejected.sort()).toEqual(['bad-signature', 'bad-signature', 'bad-signature', 'key-mismatch', 'not-json']);
    expect(enforcer.stats()).toMatchObject({ recordsRejected: 5, recordsOutOfDate: 1, activeBlocks: 2 });
  });

  it('reports staleness when the broker is unreachable and then fails closed or open as configured', async () => {
    const unreachable = ['127.0.0.1:1'];
    const closed = enforcerOn('warden.blocks', { brokers: unreachable, failMode: 'closed', maxStalenessMs: 500 });
    const open = enforcerOn('warden.blocks', { brokers: unreachable, failMode: 'open', maxStalenessMs: 500 });
    let staleEvent = false;
    closed.on('stale', (stale) => (staleEvent = stale));
    await eventually(() => staleEvent, 30_000, 'stale event');
    expect(closed.check('anyone')).toMatchObject({ allowed: false, stale: true });
    expect(closed.check('anyone').reason).toMatch(/stale/);
    expect(open.check('anyone')).toMatchObject({ allowed: true, stale: true });
    expect(closed.stats().stale).toBe(true);
    await expect(closed.ready(200)).rejects.toMatchObject({ code: 'WARDEN_KAFKA_UNAVAILABLE' });
  });

  it('drops a block by itself when it expires', async () => {
    const topic = uniqueName('blocks');
    cleanups.push(await createBlocksTopic(admin, topic));
    const enforcer = enforcerOn(topic);
    await enforcer.ready(60_000);
    const expired: string[] = [];
    enforcer.on('expire', (b) => expired.push(b.key));
    await send(producer, topic, [keys.signer.sign(blockRecord('svc-brief', { expiresAt: new Date(Date.now() + 3000).toISOString() }))]);
    await eventually(() => !enforcer.check('svc-brief').allowed, 30_000, 'block applied');
    await eventually(() => expired.includes('svc-brief'), 30_000, 'expire event');
    expect(enforcer.check('svc-brief').allowed).toBe(true);
  });
});
