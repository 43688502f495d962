/**
 * The console checks allow-batch records as it reads them: each compact allow it shows carries
 * the result, valid for a record signed by a trusted key, bad for an altered one, and a key it does
 * not trust is named as such. (The records are not kept, so the check is made on reading.)
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ConsoleFeed } from '../../../src/console/feed.js';
import { DecisionIndex } from '../../../src/console/decision-index.js';
import type { BlockView } from '../../../src/console/block-view.js';
import { createSigner, createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { sampleDecision } from '../../helpers/decision-fixture.js';

const keys = generateKeyPair();
const config = parseConfig('{}', 'test');

function feedWith(verifierKeys: string[]): { feed: ConsoleFeed; index: DecisionIndex } {
  const index = new DecisionIndex({ maxDecisions: 100, perIdentityDecisions: 50, maxIdentities: 10 });
  const feed = new ConsoleFeed({ kafka: {} as never, config, index, blocks: {} as BlockView, events: null, onDecision: () => undefined, logger: silentLogger, verifier: createVerifier(verifierKeys) });
  return { feed, index };
}

function allowBatch(): string {
  const signer = createSigner(keys.privateKeyPem, { batchSize: 64 });
  const decisions = Array.from({ length: 5 }, (_, i) => sampleDecision(i));
  const { allowBatches } = signer.signDecisions(decisions, 'compact', { source: 'audit:0' });
  expect(allowBatches).toHaveLength(1);
  return allowBatches[0]!.value;
}

describe('console feed: signatures of compact allows', () => {
  it('marks each allow of a trusted allow-batch record valid', () => {
    const { feed, index } = feedWith([keys.publicKeyPem]);
    feed.takeDecision(Buffer.from(allowBatch()), Date.now());
    for (let i = 0; i < 5; i++) expect(index.get(`d${i}`)?.signature?.status).toBe('valid');
  });

  it('marks the allows of an altered record as a bad signature', () => {
    const { feed, index } = feedWith([keys.publicKeyPem]);
    const record = JSON.parse(allowBatch()) as { entries: unknown[][] };
    // One entry's risk score changed after signing.
    const entry = record.entries[2]!;
    const scoreAt = entry.findIndex((v) => typeof v === 'number');
    entry[scoreAt] = 99;
    feed.takeDecision(Buffer.from(JSON.stringify(record)), Date.now());
    // The record no longer verifies, so none of its allows can be vouched for.
    for (let i = 0; i < 5; i++) expect(index.get(`d${i}`)?.signature?.status).toBe('bad-signature');
  });

  it('says when the record is signed by a key the console does not trust', () => {
    const { feed, index } = feedWith([generateKeyPair().publicKeyPem]);
    feed.takeDecision(Buffer.from(allowBatch()), Date.now());
    expect(index.get('d0')?.signature?.status).toBe('unknown-key');
  });
});
