/** Shared by the enforcement integration tests: a unique compacted blocks topic and signed records. */
import type { Admin, Producer } from 'kafkajs';
import { createSigner, generateKeyPair } from '../../../src/decisions/signing.js';
import type { KeyPairPem, Signer } from '../../../src/decisions/signing.js';
import { blockKey } from '../../../src/decisions/block-record.js';
import type { BlockRecord } from '../../../src/decisions/block-record.js';

export interface Keys {
  pair: KeyPairPem;
  signer: Signer;
}

export function newKeys(): Keys {
  const pair = generateKeyPair();
  return { pair, signer: createSigner(pair.privateKeyPem) };
}

export async function createBlocksTopic(admin: Admin, topic: string): Promise<() => Promise<void>> {
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    waitForLeaders: true,
  });
  return async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  };
}

export function blockRecord(identity: string, overrides: Partial<BlockRecord> = {}): BlockRecord {
  const now = Date.now();
  return {
    identity,
    state: 'block',
    reason: `test block of ${identity}`,
    decisionId: `dec-${identity}`,
    source: 'warden',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 3_600_000).toISOString(),
    ...overrides,
  };
}

export async function send(producer: Producer, topic: string, records: Array<BlockRecord | { key: string; value: string | null }>): Promise<void> {
  await producer.send({
    topic,
    messages: records.map((r) => ('key' in r ? r : { key: blockKey(r.identity, r.tokenId), value: JSON.stringify(r) })),
  });
}
