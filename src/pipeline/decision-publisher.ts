/**
 * Turns a processed batch into what goes to the broker: decisions signed in Merkle batches and
 * encoded in the configured form (`decisions.allow`: plain allows compact, full or not at all;
 * alerts and blocks always full), block records signed one by one, dead letters; then produces
 * them with `acks=all` in requests of bounded size, in order.
 */
import type { Message, Producer, TopicMessages } from 'kafkajs';
import { blockKey } from '../decisions/block-record.js';
import type { AllowOutput } from '../decisions/compact.js';
import { MANIFEST_KEY } from '../decisions/compact.js';
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
const MANIFEST_HEADERS = { 'warden-record': 'batch-manifest' };

export class DecisionPublisher {
  private readonly allow: AllowOutput;

  constructor(private readonly deps: DecisionPublisherDeps) {
    this.allow = deps.allow ?? 'compact';
  }

  /** Signs and encodes a batch: the produce requests, in the order they must be sent. */
  encode(batch: ProcessedBatch): TopicMessages[][] {
    const { signer, topics, metrics } = this.deps;
    const { values, manifests } = signer.signDecisions(batch.decisions, this.allow);
    const decisionMessages: Message[] = [];
    const verdicts = new Map<string, number>();
    for (const [i, decision] of batch.decisions.entries()) {
      const label = `${decision.verdict}:${decision.mode}`;
      verdicts.set(label, (verdicts.get(label) ?? 0) + 1);
      const value = values[i];
      if (value === null || value === undefined) continue;
      decisionMessages.push({ key: decision.identity, value, headers: VERDICT_HEADERS[decision.verdict] });
    }
    for (const manifest of manifests) decisionMessages.push({ key: MANIFEST_KEY, value: manifest, headers: MANIFEST_HEADERS });
    if (metrics) {
      for (const [label, n] of verdicts) {
        const [verdict = '', mode = ''] = label.split(':');
        metrics.decisions.inc({ verdict, mode }, n);
      }
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
