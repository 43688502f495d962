/**
 * Turns a processed batch into what goes to the broker: decisions encoded in the configured form
 * (`decisions.allow`: with `compact` the batch's plain allows in one signed allow-batch record
 * keyed by the source partition, with `none` the same record without entries, with `full` every
 * decision on its own; alerts, blocks and notable allows always full records, Merkle-batch signed),
 * block records signed one by one, dead letters; then produces them with `acks=all` in requests of
 * bounded size, in order.
 */
import type { Message, Producer, TopicMessages } from 'kafkajs';
import { blockKey } from '../decisions/block-record.js';
import { ALLOW_BATCH_RECORD, ALLOWS_HEADER } from '../decisions/allow-batch.js';
import type { AllowOutput } from '../decisions/compact.js';
import type { Signer } from '../decisions/signing.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import type { ProcessedBatch } from './batch-processor.js';
import { deadLetterMessage } from './dead-letters.js';
import { splitRequests } from './produce-requests.js';

export interface DecisionPublisherDeps {
  signer: Signer;
  topics: { decisions: string; blocks: string; dlq: string; approvals?: string; audit?: string };
  /** `decisions.allow`. @defaultValue 'compact' */
  allow?: AllowOutput;
  /** Upper bound on one produce request (`pipeline.maxProduceBytes`). */
  maxProduceBytes: number;
  metrics?: PipelineMetrics;
}

/** The verdict as a header lets consumers that want only alerts and blocks skip the rest unparsed. */
const VERDICT_HEADERS = { allow: { 'warden-verdict': 'allow' }, alert: { 'warden-verdict': 'alert' }, block: { 'warden-verdict': 'block' } } as const;
/** Room left in a produce request for an allow-batch record's key, headers and framing. */
const RECORD_OVERHEAD = 1024;

export class DecisionPublisher {
  private readonly allow: AllowOutput;

  constructor(private readonly deps: DecisionPublisherDeps) {
    this.allow = deps.allow ?? 'compact';
  }

  /** Signs and encodes a batch: the produce requests, in the order they must be sent. */
  encode(batch: ProcessedBatch): TopicMessages[][] {
    const { signer, topics, metrics } = this.deps;
    const { values, allowBatches } = signer.signDecisions(batch.decisions, this.allow, { source: batch.partition, maxRecordBytes: this.deps.maxProduceBytes - RECORD_OVERHEAD });
    const decisionMessages: Message[] = [];
    // Decisions per verdict and mode, for the metric (no per-event label strings).
    const verdicts: Partial<Record<string, Partial<Record<string, number>>>> = {};
    const { decisions } = batch;
    for (let i = 0; i < decisions.length; i++) {
      const decision = decisions[i]!;
      const byMode = (verdicts[decision.verdict] ??= {});
      byMode[decision.mode] = (byMode[decision.mode] ?? 0) + 1;
      const value = values[i];
      if (value === null || value === undefined) continue;
      decisionMessages.push({ key: decision.identity, value, headers: VERDICT_HEADERS[decision.verdict] });
    }
    // Plain allows: header readers (sinks, watchers) skip or pick the record without parsing it.
    for (const { value, allows } of allowBatches) decisionMessages.push({ key: batch.partition, value, headers: { 'warden-record': ALLOW_BATCH_RECORD, [ALLOWS_HEADER]: String(allows) } });
    if (metrics) {
      for (const [verdict, byMode] of Object.entries(verdicts)) for (const [mode, n] of Object.entries(byMode ?? {})) metrics.decisions.inc({ verdict, mode }, n ?? 0);
    }
    const blockMessages: Message[] = batch.blocks.map((block) => ({ key: blockKey(block.identity, block.tokenId), value: JSON.stringify(signer.sign(block)) }));
    if (metrics && blockMessages.length > 0) metrics.blocksPublished.inc({ state: 'block' }, blockMessages.length);
    const topicMessages: TopicMessages[] = [];
    if (decisionMessages.length > 0) topicMessages.push({ topic: topics.decisions, messages: decisionMessages });
    if (blockMessages.length > 0) topicMessages.push({ topic: topics.blocks, messages: blockMessages });
    // An approval request goes to the compacted state topic and to the kept history alike.
    const approvals = batch.approvals ?? [];
    if (approvals.length > 0 && topics.approvals !== undefined) {
      const approvalMessages: Message[] = approvals.map((a) => ({ key: a.id, value: JSON.stringify(signer.sign(a)), headers: { 'warden-kind': a.kind, 'warden-transition': a.transition } }));
      topicMessages.push({ topic: topics.approvals, messages: approvalMessages });
      if (topics.audit !== undefined) topicMessages.push({ topic: topics.audit, messages: approvalMessages });
    }
    if (batch.deadLetters.length > 0) {
      topicMessages.push({ topic: topics.dlq, messages: batch.deadLetters.map((d) => deadLetterMessage(d)) });
      if (metrics) for (const d of batch.deadLetters) metrics.dlq.inc({ reason: d.reason });
    }
    return splitRequests(topicMessages, this.deps.maxProduceBytes);
  }

  /** Produces encoded requests one after the other (order kept), each acknowledged by all in-sync replicas. */
  async send(producer: Pick<Producer, 'sendBatch'>, requests: readonly TopicMessages[][]): Promise<void> {
    for (const request of requests) await producer.sendBatch({ topicMessages: request, acks: -1 });
  }
}
