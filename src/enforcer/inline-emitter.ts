/**
 * `gateway.inline.emit`: the gateway's audit events, produced to the input topic `warden run`
 * reads (native format, keyed by identity like every audit source), off the request path. Events
 * are batched for a few milliseconds; a batch the broker refuses is kept and retried with the next
 * one, up to `maxBuffered` events (the oldest are dropped past that and counted, and logged).
 */
import type { Producer } from 'kafkajs';
import type { WardenEvent } from '../events/event.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';

export interface EventEmitterOptions {
  producer: Producer;
  topic: string;
  /** How long an event may wait for others to share its produce request. @defaultValue 5 */
  lingerMs?: number;
  /** Events kept while the broker is unreachable. @defaultValue 100000 */
  maxBuffered?: number;
  logger?: Logger;
}

export interface EmitterStats {
  emitted: number;
  dropped: number;
  failures: number;
  buffered: number;
}

export class KafkaEventEmitter {
  private buffer: Array<{ key: string; value: string }> = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();
  private readonly counters = { emitted: 0, dropped: 0, failures: 0 };
  private readonly lingerMs: number;
  private readonly maxBuffered: number;
  private readonly log: Logger;

  constructor(private readonly options: EventEmitterOptions) {
    this.lingerMs = options.lingerMs ?? 5;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.log = (options.logger ?? silentLogger).child({ component: 'gateway-emit', topic: options.topic });
  }

  stats(): EmitterStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  /** Queues one event, as `json` when given (never throws, never waits). */
  emit = (event: WardenEvent, json?: string): void => {
    this.buffer.push({ key: event.identity.id, value: json ?? JSON.stringify(event) });
    if (this.buffer.length > this.maxBuffered) {
      const over = this.buffer.length - this.maxBuffered;
      this.buffer.splice(0, over);
      this.counters.dropped += over;
      this.log.error({ dropped: over }, 'audit events dropped: the broker has refused them for too long');
    }
    this.timer ??= setTimeout(() => void this.flush(), this.lingerMs);
  };

  /** Sends what is queued; resolves when the broker acknowledged it (or refused it: then it stays queued). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sending = this.sending.then(async () => {
      if (this.buffer.length === 0) return;
      const batch = this.buffer;
      this.buffer = [];
      try {
        await this.options.producer.send({ topic: this.options.topic, acks: -1, messages: batch });
        this.counters.emitted += batch.length;
      } catch (err) {
        this.counters.failures++;
        this.buffer = batch.concat(this.buffer);
        this.log.warn({ err: { message: (err as Error).message }, queued: this.buffer.length }, 'could not produce audit events; retrying');
        this.timer ??= setTimeout(() => void this.flush(), 1000);
      }
    });
    return this.sending;
  }

  /** Sends what is left, then disconnects the producer. */
  async close(): Promise<void> {
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length > 0) this.log.error({ lost: this.buffer.length }, 'audit events not produced before shutdown');
    await this.options.producer.disconnect();
  }
}
