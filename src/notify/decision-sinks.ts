/**
 * `warden sinks`: reads the decisions topic in its own consumer group, outside the decision path.
 * Allows are skipped by the `warden-verdict` or `warden-record` header without parsing; alerts and blocks are parsed,
 * their Ed25519 signature verified (a decision that does not verify is ignored and counted), then
 * notified (notifier.ts) and written as OCSF findings (ocsf-out/). Offsets are committed once every
 * sink acknowledged the chunk: at-least-once (webhooks carry a stable `X-Warden-Delivery` id,
 * findings a stable `finding_info.uid`).
 */
import kafkajs from 'kafkajs';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';
import { ALLOW_BATCH_RECORD, ALLOWS_HEADER } from '../decisions/allow-batch.js';
import type { Decision } from '../decisions/decision.js';
import type { Verifier } from '../decisions/signing.js';
import type { Logger } from '../observability/logger.js';
import type { FindingsSink } from '../ocsf-out/sinks.js';
import type { SinkMetrics } from './metrics.js';
import type { Notifier } from './notifier.js';
import { createProducer } from '../pipeline/safe-producer.js';

const { KafkaJSError } = kafkajs;

export interface DecisionSinksDeps {
  config: WardenConfig;
  kafka: Kafka;
  verifier: Verifier;
  logger: Logger;
  metrics: SinkMetrics;
  /** Builds the sinks once the producer exists (the findings topic and dead-letter topic write through it). */
  sinks: (producer: Producer) => { notifier: Notifier | null; findings: FindingsSink | null };
}

/** A message's decision when it is an alert or block with a valid signature; null otherwise (counted). Exported for the benchmark. */
export function readDecision(message: KafkaMessage, verifier: Verifier, metrics: SinkMetrics, log: Logger): Decision | null {
  const header = message.headers?.['warden-verdict'];
  const verdict = header === undefined ? undefined : String(Array.isArray(header) ? header[0] : header);
  if (verdict === 'allow') {
    metrics.decisionsRead.inc({ verdict: 'allow' });
    return null;
  }
  // Allow-batch records (the plain allows of a batch, `decisions.allow`) and the batch manifests of
  // older topics share the topic: skipped unparsed by their header; an allow-batch header says how
  // many allows the record accounts for.
  const record = message.headers?.['warden-record'];
  if (record !== undefined) {
    if (String(record) === ALLOW_BATCH_RECORD) {
      const allows = Number(String(message.headers?.[ALLOWS_HEADER] ?? ''));
      if (Number.isSafeInteger(allows) && allows > 0) metrics.decisionsRead.inc({ verdict: 'allow' }, allows);
    }
    return null;
  }
  if (message.value === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value.toString('utf8'));
  } catch {
    metrics.signatureInvalid.inc({ status: 'not-json' });
    log.warn({ offset: message.offset }, 'a decisions record is not JSON; ignored');
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    metrics.signatureInvalid.inc({ status: 'not-json' });
    return null;
  }
  const decision = parsed as Decision;
  metrics.decisionsRead.inc({ verdict: String(decision.verdict) });
  if (decision.verdict !== 'alert' && decision.verdict !== 'block') return null;
  const check = verifier.inspect(decision);
  if (!check.valid) {
    metrics.signatureInvalid.inc({ status: check.status });
    log.warn({ offset: message.offset, decisionId: String(decision.decisionId), identity: String(decision.identity), status: check.status, keyId: check.keyId }, 'decision signature does not verify; ignored');
    return null;
  }
  return decision;
}

export class DecisionSinks {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly log: Logger;
  private readonly stopping = new AbortController();
  private readonly heartbeatMs: number;
  private notifier: Notifier | null = null;
  private findings: FindingsSink | null = null;
  private running = false;
  private joined = false;

  constructor(private readonly deps: DecisionSinksDeps) {
    const { config, kafka } = deps;
    this.log = deps.logger.child({ component: 'sinks' });
    this.heartbeatMs = Math.min(3000, Math.floor(config.kafka.sessionTimeoutMs / 3));
    this.consumer = kafka.consumer({
      groupId: config.sinks.groupId,
      sessionTimeout: config.kafka.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatMs,
      maxWaitTimeInMs: 100,
      retry: {
        retries: 30,
        initialRetryTime: 300,
        maxRetryTime: 5000,
        restartOnFailure: async (err: Error) => {
          this.log.error({ err }, 'sinks consumer failed; restarting it');
          return this.running;
        },
      },
    });
    this.producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }, { logger: this.log });
    const c = this.consumer.events;
    this.consumer.on(c.GROUP_JOIN, (e) => {
      this.joined = true;
      this.log.info({ groupId: config.sinks.groupId, assignment: e.payload.memberAssignment }, 'joined the sinks consumer group');
    });
    this.consumer.on(c.CRASH, () => {
      this.joined = false;
    });
    this.consumer.on(c.DISCONNECT, () => {
      this.joined = false;
    });
  }

  get ready(): boolean {
    return this.running && this.joined;
  }

  async start(): Promise<void> {
    const { config } = this.deps;
    await this.producer.connect();
    const built = this.deps.sinks(this.producer);
    this.notifier = built.notifier;
    this.findings = built.findings;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [config.kafka.topics.decisions], fromBeginning: config.sinks.startAt === 'earliest' });
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 2,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    if (!this.running) {
      await Promise.all([this.consumer.disconnect().catch(() => undefined), this.producer.disconnect().catch(() => undefined)]);
      return;
    }
    this.running = false;
    this.stopping.abort();
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.findings?.close();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    let failed: unknown = null;
    const keepAlive = setInterval(() => {
      payload.heartbeat().catch((err: unknown) => {
        failed ??= err;
      });
    }, this.heartbeatMs);
    try {
      await this.handleBatch(payload, () => {
        if (failed !== null) throw failed;
      });
    } catch (err) {
      if (err instanceof KafkaJSError) throw err;
      if (!this.running) return;
      // A sink that failed (a dead letter not written, the findings topic refusing) restarts the
      // consumer from the last commit, with backoff, instead of stopping it.
      throw new KafkaJSError(err instanceof Error ? err : String(err), { retriable: true });
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, check: () => void): Promise<void> {
    const { topic, partition } = batch;
    const max = this.deps.config.sinks.maxBatchSize;
    for (let i = 0; i < batch.messages.length; i += max) {
      check();
      if (!isRunning() || isStale() || !this.running) return;
      const messages = batch.messages.slice(i, i + max);
      const decisions: Decision[] = [];
      for (const m of messages) {
        const d = readDecision(m, this.deps.verifier, this.deps.metrics, this.log);
        if (d) decisions.push(d);
      }
      if (decisions.length > 0) {
        await Promise.all([this.notifier?.notify(decisions, this.stopping.signal), this.findings?.write(decisions)]);
      }
      if (!this.running) return;
      const last = messages[messages.length - 1]!.offset;
      resolveOffset(last);
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
      await heartbeat();
    }
  }
}
