/**
 * Publishes approval records, signed with the same key as block records: to the compacted
 * approvals topic (key = request id, current state) and to the audit topic (history kept), in one
 * request acknowledged by all in-sync replicas.
 */
import type { Producer } from 'kafkajs';
import type { Signer } from '../decisions/signing.js';
import { approvalKey } from './record.js';
import type { ApprovalRecord } from './record.js';

export interface ApprovalTopics {
  approvals: string;
  audit: string;
}

export async function publishApprovalRecords(producer: Producer, topics: ApprovalTopics, signer: Signer, records: readonly ApprovalRecord[]): Promise<ApprovalRecord[]> {
  if (records.length === 0) return [];
  const signed = records.map((r) => signer.sign(r));
  const messages = signed.map((r) => ({ key: approvalKey(r), value: JSON.stringify(r), timestamp: String(Date.parse(r.updatedAt)), headers: { 'warden-kind': r.kind, 'warden-transition': r.transition } }));
  await producer.sendBatch({
    acks: -1,
    topicMessages: [
      { topic: topics.approvals, messages },
      { topic: topics.audit, messages },
    ],
  });
  return signed;
}
