/**
 * Reads the decisions and blocks topics (and, for event details, the input topics) into the
 * console's bounded indexes. Each console process uses its own consumer group and commits
 * nothing: it starts `windowHours` back by record timestamp every time, so a restart rebuilds
 * the same view and two consoles never split partitions between them.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { CompactDecision } from '../decisions/compact.js';
import { entriesOfRecord } from '../decisions/topic-records.js';
import type { Decision } from '../decisions/decision.js';
import type { Verifier } from '../decisions/signing.js';
import type { WardenConfig } from '../config/schema.js';
import { createNormalizer } from '../events/index.js';
import type { Normalizer } from '../events/index.js';
import type { Logger } from '../observability/logger.js';
import type { BlockView } from './block-view.js';
import type { DecisionIndex, IndexedDecision } from './decision-index.js';
import type { EventCache } from './event-cache.js';

export interface PartitionPosition {
  topic: string;
  partition: number;
  /** Next offset the console will read, and the partition's end when it last fetched. */
  next: string;
  high: string;
}

export interface ConsoleFeedOptions {
  kafka: Kafka;
  config: WardenConfig;
  index: DecisionIndex;
  blocks: BlockView;
  events: EventCache | null;
  onDecision: (entry: IndexedDecision) => void;
  logger: Logger;
  /**
   * Checks allow-batch records (and compact records) as they are read, so that each compact
   * allow's page can say whether its record was signed by a trusted key.
   */
  verifier?: Verifier;
}

const VERDICTS = new Set(['allow', 'alert', 'block']);

/** A decisions-topic value as JSON, or null when it is absent or not JSON. */
function parseJson(value: Buffer | null): unknown {
  if (!value) return null;
  try {
    return JSON.parse(value.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

/** A decisions-topic value the console can show, or null (counted as malformed). */
export function parseDecision(value: Buffer | null): Decision | null {
  return decisionOf(parseJson(value));
}

/** A parsed record when it is a full decision the console can show, else null. */
function decisionOf(d: unknown): Decision | null {
  if (d === null || typeof d !== 'object') return null;
  const r = d as Record<string, unknown>;
  if (typeof r.decisionId !== 'string' || typeof r.identity !== 'string' || typeof r.action !== 'string' || typeof r.eventId !== 'string') return null;
  if (typeof r.verdict !== 'string' || !VERDICTS.has(r.verdict) || typeof r.score !== 'number' || typeof r.eventTime !== 'string') return null;
  if (!Array.isArray(r.reasons) || !r.reasons.every((x) => x && typeof x === 'object' && typeof (x as { code?: unknown }).code === 'string')) return null;
  return d as Decision;
}

export class ConsoleFeed {
  private consumer: Consumer | null = null;
  private readonly positions = new Map<string, PartitionPosition>();
  private readonly normalizers = new Map<string, Normalizer>();
  malformedDecisions = 0;
  private caughtUp = false;
  private startedAt = 0;

  constructor(private readonly options: ConsoleFeedOptions) {
    if (options.events) for (const input of options.config.kafka.inputs) this.normalizers.set(input.topic, createNormalizer({ format: input.format, events: options.config.events }));
  }

  get topics(): { decisions: string; blocks: string; inputs: string[] } {
    const t = this.options.config.kafka.topics;
    return { decisions: t.decisions, blocks: t.blocks, inputs: [...this.normalizers.keys()] };
  }

  async start(): Promise<void> {
    const { kafka, config, logger } = this.options;
    const windowStart = Date.now() - config.console.windowHours * 3_600_000;
    const { decisions, blocks, inputs } = this.topics;
    const windowed = [decisions, ...inputs];
    const admin = kafka.admin();
    await admin.connect();
    const seeks: Array<{ topic: string; partition: number; offset: string }> = [];
    try {
      for (const topic of windowed) {
        const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, windowStart);
        for (const o of offsets) seeks.push({ topic, partition: o.partition, offset: o.offset });
      }
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({ groupId: `${config.kafka.groupId}-console-${randomBytes(4).toString('hex')}`, sessionTimeout: config.kafka.sessionTimeoutMs });
    this.consumer = consumer;
    await consumer.connect();
    // Blocks are read from the beginning: the compacted topic is the whole table.
    await consumer.subscribe({ topics: [decisions, blocks, ...inputs], fromBeginning: true });
    this.startedAt = Date.now();
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const { topic, partition } = batch;
        for (const message of batch.messages) {
          const ts = Number(message.timestamp);
          if (topic === blocks) this.options.blocks.take(message.key, message.value, partition, message.offset);
          else if (ts >= windowStart) {
            if (topic === decisions) this.takeDecision(message.value, ts);
            else this.takeEvent(topic, partition, message.offset, message.value);
          }
          resolveOffset(message.offset);
        }
        const last = batch.messages.at(-1);
        this.positions.set(`${topic}:${partition}`, { topic, partition, next: last ? String(BigInt(last.offset) + 1n) : (this.positions.get(`${topic}:${partition}`)?.next ?? batch.firstOffset() ?? '0'), high: batch.highWatermark });
        await heartbeat();
      },
    });
    for (const s of seeks) consumer.seek(s);
    logger.info({ decisions, blocks, inputs, windowHours: config.console.windowHours }, 'console reading topics');
  }

  /** One value of the decisions topic, read at `timestampMs` (its Kafka timestamp). */
  takeDecision(value: Buffer | null, timestampMs: number): void {
    const parsed = parseJson(value);
    const full = decisionOf(parsed);
    if (full) {
      this.options.onDecision(this.options.index.add(full));
      return;
    }
    // An allow-batch record carries many allows; a batch manifest none.
    const entries = entriesOfRecord(parsed);
    if (entries === null || entries.some((e) => e.form === 'full')) {
      this.malformedDecisions++;
      return;
    }
    // The record's own signature first: its entries are then checked against what it signed, and
    // a record that does not verify passes its verdict on to every entry.
    const verifier = this.options.verifier;
    const recordCheck = verifier?.inspect(parsed as object);
    for (const e of entries) {
      const compact = e.record as CompactDecision;
      const signature = recordCheck && !recordCheck.valid && recordCheck.status !== 'no-manifest' ? recordCheck : verifier?.inspect(compact);
      this.options.onDecision(this.options.index.add(this.expandCompact(compact, timestampMs), signature));
    }
  }

  /**
   * A compact allow (an allow-batch entry, or a compact record written before them) carries ids,
   * verdict, score and versions only: the action, resource and time come from the event when the
   * console has read it, else the record's timestamp stands in. Its `sig` names what covers it.
   */
  private expandCompact(c: CompactDecision, timestampMs: number): Decision {
    const event = this.options.events?.get(c.eventId) ?? null;
    const time = event?.time ?? new Date(Number.isFinite(timestampMs) ? timestampMs : Date.now()).toISOString();
    return {
      decisionId: c.decisionId,
      eventId: c.eventId,
      identity: c.identity,
      owner: null,
      action: event?.action ?? '(compact allow record)',
      resource: event?.resource ?? null,
      eventTime: time,
      decidedAt: time,
      verdict: c.verdict,
      score: c.score,
      mode: 'enforce',
      reasons: [],
      policy: { id: null, version: c.policy },
      model: c.model,
      ...(c.sig !== undefined ? { sig: c.sig } : {}),
    };
  }

  private takeEvent(topic: string, partition: number, offset: string, value: Buffer | null): void {
    const normalize = this.normalizers.get(topic);
    if (!normalize || !value || !this.options.events) return;
    const { events } = normalize(value, { topic, partition, offset });
    for (const e of events) {
      this.options.events.put(e);
      this.options.index.addVolume(e.identity.id, e.time, e.bytes ?? 0, e.rows ?? 0);
    }
  }

  /** Where the console is on each partition it reads. */
  lag(): Array<PartitionPosition & { lag: number }> {
    return [...this.positions.values()]
      .map((p) => ({ ...p, lag: Math.max(0, Number(BigInt(p.high) - BigInt(p.next))) }))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /** True once every partition read so far had reached its end at least once. */
  get ready(): boolean {
    if (!this.caughtUp && this.positions.size > 0 && this.lag().every((p) => p.lag === 0)) this.caughtUp = true;
    return this.caughtUp;
  }

  get runningSince(): number {
    return this.startedAt;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
  }
}
