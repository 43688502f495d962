/**
 * Approval benchmarks (see BENCHMARKS.md "Approvals"):
 *  1. `grantFor()` lookups/s on a table of 1k grants over 200 identities (the extra work of a
 *     check on a blocked identity), and `check()` on a blocked identity with and without a grant;
 *  2. time-to-grant p50/p99: a signed approval record produced to Kafka (acks=all) → the
 *     enforcer's `check()` lets the blocked identity's approved action through.
 * Run: npx tsx bench/approvals.ts [samples=200]   (samples 0: lookups only, no Kafka)
 */
import { loadavg } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { blockKey } from '../src/decisions/block-record.js';
import type { BlockRecord } from '../src/decisions/block-record.js';
import { createSigner, generateKeyPair } from '../src/decisions/signing.js';
import { BlockTable } from '../src/enforcer/block-table.js';
import { createEnforcer } from '../src/enforcer/enforcer.js';
import { ApprovalTable } from '../src/approvals/grants.js';
import { approve, openRequest } from '../src/approvals/state.js';
import type { ApprovalRecord } from '../src/approvals/record.js';

const SAMPLES = Number(process.argv[2] ?? 200);
const brokers = (process.env.WARDEN_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const pair = generateKeyPair();
const signer = createSigner(pair.privateKeyPem);
const kafka = new Kafka({ clientId: 'bench-approvals', brokers, logLevel: logLevel.NOTHING });

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (n: number): string => `${n.toFixed(3)} ms`;

function grant(identity: string, action: string, nowMs: number, resources?: string[]): ApprovalRecord {
  const request = openRequest({ identity, actions: [action], ...(resources ? { resources } : {}), reasons: ['bench'], risk: null, owner: null, criticality: null, required: 1, origin: { kind: 'operator' }, requestedBy: 'alice', grantTtlMs: 3_600_000, pendingTtlMs: 3_600_000, nowMs });
  return approve(request, 'bob', nowMs);
}

function block(identity: string): BlockRecord {
  const now = Date.now();
  return { identity, state: 'block', reason: 'bench', decisionId: null, source: 'operator:bench', createdAt: new Date(now).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString() };
}

function benchLookup(): void {
  const now = Date.now();
  const table = new ApprovalTable();
  for (let i = 0; i < 1000; i++) table.apply(grant(`svc-${i % 200}`, `s3:Get${i}*`, now, ['arn:aws:s3:::bucket-*/**']));
  // Half the callers hold grants (5 each), half none; actions precomputed so the loop measures lookups.
  const ids = Array.from({ length: 400 }, (_, i) => `svc-${i}`);
  const actions = Array.from({ length: 1000 }, (_, i) => `s3:Get${i}Object`);
  const N = 2_000_000;
  let found = 0;
  for (let i = 0; i < 200_000; i++) table.grantFor(ids[i % 400]!, undefined, actions[i % 1000]!, 'arn:aws:s3:::bucket-1/a/b', now);
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) if (table.grantFor(ids[i % 400]!, undefined, actions[i % 1000]!, 'arn:aws:s3:::bucket-1/a/b', now)) found++;
  const ns = Number(process.hrtime.bigint() - t);
  console.log(`grantFor(): ${((N / ns) * 1e9 / 1e6).toFixed(2)}M lookups/s (${(ns / N).toFixed(0)} ns each; 1k grants, 200 identities, ${((found / N) * 100).toFixed(0)}% granted)`);
  const blocks = new BlockTable();
  blocks.apply(block('svc-1'), now);
  const M = 2_000_000;
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < M; i++) blocks.check('svc-1', undefined, 's3:GetObject', now);
  const plain = Number(process.hrtime.bigint() - t0) / M;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < M; i++) if (!blocks.check('svc-1', undefined, 's3:Get1Object', now).allowed) table.grantFor('svc-1', undefined, 's3:Get1Object', 'arn:aws:s3:::bucket-1/x', now);
  const withGrant = Number(process.hrtime.bigint() - t0) / M;
  console.log(`blocked identity: block lookup ${plain.toFixed(0)} ns, block lookup + grant lookup ${withGrant.toFixed(0)} ns`);
}

async function benchTimeToGrant(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const stamp = Date.now();
  const topics = { blocks: `bench-blocks-${stamp}`, approvals: `bench-approvals-${stamp}` };
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] })), waitForLeaders: true });
  const producer = kafka.producer();
  try {
    await producer.connect();
    const identities = Array.from({ length: SAMPLES }, (_, i) => `ttg-${i}`);
    await producer.send({ topic: topics.blocks, acks: -1, messages: identities.map((id) => signer.sign(block(id))).map((r) => ({ key: blockKey(r.identity), value: JSON.stringify(r) })) });
    const enforcer = createEnforcer({ brokers, topic: topics.blocks, approvalsTopic: topics.approvals, publicKeys: [pair.publicKeyPem], failMode: 'closed' });
    await enforcer.ready(60_000);
    // Grants count once the approvals table has caught up and is fresh.
    while (!enforcer.stats().approvals?.ready) await new Promise((r) => setTimeout(r, 20));
    const samples: number[] = [];
    for (const identity of identities) {
      if (enforcer.check(identity, undefined, 'GET /items/1').allowed) throw new Error(`${identity} allowed before its grant`);
      const signed = signer.sign(grant(identity, 'GET /items/*', Date.now()));
      const t0 = process.hrtime.bigint();
      await producer.send({ topic: topics.approvals, acks: -1, messages: [{ key: signed.id, value: JSON.stringify(signed) }] });
      // check() is a memory lookup: poll it the way a busy gateway would meet the next request.
      const deadline = Date.now() + 10_000;
      while (!enforcer.check(identity, undefined, 'GET /items/1').allowed) {
        if (Date.now() > deadline) throw new Error(`no grant for ${identity} after 10 s: ${JSON.stringify(enforcer.stats())}`);
        await new Promise((r) => setImmediate(r));
      }
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (enforcer.check(identity, undefined, 'POST /items/1').allowed) throw new Error('a grant let another action through');
    }
    samples.sort((a, b) => a - b);
    console.log(`time-to-grant (approval produced → check() allows), ${SAMPLES} grants: p50 ${ms(pct(samples, 50))}  p99 ${ms(pct(samples, 99))}  max ${ms(samples.at(-1) ?? NaN)}`);
    await enforcer.close();
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
}

console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
benchLookup();
if (SAMPLES > 0) await benchTimeToGrant();
