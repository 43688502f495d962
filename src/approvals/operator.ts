/**
 * What the `warden approvals` commands do against Kafka: read the approvals topic to its end into
 * a table (signatures checked), look up the block in force on an identity, and publish signed
 * transition records. The transitions themselves are the pure state machine in state.ts.
 */
import type { WardenConfig } from '../config/schema.js';
import { createSigner, createVerifier } from '../decisions/signing.js';
import { WardenError } from '../errors.js';
import { createEnforcer } from '../enforcer/enforcer.js';
import type { ActiveBlock } from '../enforcer/block-table.js';
import type { Logger } from '../observability/logger.js';
import { createKafka } from '../pipeline/kafka-client.js';
import { ApprovalsFollower } from './follower.js';
import type { ApprovalTable } from './grants.js';
import { publishApprovalRecords } from './publish.js';
import type { ApprovalRecord } from './record.js';
import { createProducer } from '../pipeline/safe-producer.js';

export interface ApprovalsSnapshot {
  table: ApprovalTable;
  /** Records ignored: unsigned, forged, malformed or mis-keyed. */
  rejected: number;
}

/** The approvals topic read to its end. */
export async function readApprovals(config: WardenConfig, logger: Logger, publicKeys: readonly string[], timeoutMs: number): Promise<ApprovalsSnapshot> {
  const follower = new ApprovalsFollower({ kafka: createKafka(config, logger, '-approvals'), topic: config.kafka.topics.approvals, verifier: createVerifier(publicKeys), logger, groupPrefix: `${config.kafka.groupId}-approvals-cli` }).start();
  try {
    if (!(await follower.waitCaughtUp(timeoutMs))) {
      throw new WardenError('WARDEN_KAFKA_UNAVAILABLE', `the approvals topic ${config.kafka.topics.approvals} could not be read to its end within ${timeoutMs} ms`, { retriable: true, hint: 'is Kafka up, and was the topic created (`warden topics create`)?' });
    }
    return { table: follower.table, rejected: follower.stats.rejected };
  } finally {
    await follower.close();
  }
}

/** The block in force on the identity (or its token) now, if any. */
export async function blockInForce(config: WardenConfig, logger: Logger, publicKeys: readonly string[], identity: string, tokenId: string | undefined, timeoutMs: number): Promise<ActiveBlock | null> {
  const enforcer = createEnforcer({ kafka: createKafka(config, logger, '-approvals-blocks'), topic: config.kafka.topics.blocks, publicKeys, failMode: 'open', logger });
  try {
    await enforcer.ready(timeoutMs);
    return enforcer.check(identity, tokenId).block ?? enforcer.list().find((b) => b.identity === identity && (b.tokenId === undefined || b.tokenId === tokenId)) ?? null;
  } finally {
    await enforcer.close();
  }
}

export async function publishApprovals(config: WardenConfig, logger: Logger, privateKeyPem: string, records: readonly ApprovalRecord[]): Promise<ApprovalRecord[]> {
  const signer = createSigner(privateKeyPem);
  const producer = createProducer(createKafka(config, logger, '-approvals'), { allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 }, { logger });
  await producer.connect();
  try {
    return await publishApprovalRecords(producer, { approvals: config.kafka.topics.approvals, audit: config.kafka.topics.audit }, signer, records);
  } finally {
    await producer.disconnect();
  }
}
