/**
 * Offset commits off the batch path. A chunk whose decisions are acknowledged and whose learning
 * is stored hands its next offset to `done`, and the runner goes on with the next chunk (or lets
 * kafkajs fetch again) without waiting for the group coordinator's answer. One commit request is
 * in flight at a time, and requests are at least `intervalMs` apart; whatever chunks complete
 * meanwhile are coalesced into the next request (the highest offset per partition). A backlog
 * drain then sends one commit per interval instead of one per chunk, and at a steady low rate the
 * fetches are not slowed by a commit per partition batch: the coordinator usually shares the
 * consumer's connection to the broker, which answers the requests of a connection in order, so a
 * commit sent before a fetch delays it by the commit's time on the broker.
 *
 * What this does not change: an offset is handed over only after its chunk was published and
 * learned (decide → publish → learn → commit), offsets only grow per partition within a group
 * generation, and a commit that fails is reported to the runner (`takeFailure`), which stops the
 * batch so that kafkajs rejoins or restarts from the last commit. Redelivery after a crash is
 * bounded by the chunks completed during one interval and one commit round trip, on top of the
 * chunks in hand; they are decided again with the same ids and not learned twice (the store's
 * watermark). A graceful stop sends what is pending at once (`flush`).
 */

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read (the last processed offset + 1), as kafkajs commits it. */
  offset: string;
}

export class OffsetCommitter {
  /** `topic\u0000partition` → the highest offset handed over and not yet sent. */
  private readonly pending = new Map<string, PartitionOffset>();
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failure: unknown = null;
  /** Bumped by `reset`: an answer to a request of an earlier generation is not reported. */
  private epoch = 0;
  private sent = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  /**
   * @param commit sends one commit request (kafkajs `consumer.commitOffsets`).
   * @param intervalMs least time from one request to the next (0: as soon as the last one is answered).
   * @param now clock in ms (tests pass their own).
   */
  constructor(
    private readonly commit: (offsets: PartitionOffset[]) => Promise<void>,
    private readonly intervalMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  /** Commit requests sent so far. */
  get requests(): number {
    return this.sent;
  }

  /** True while a request is in flight or offsets wait to be sent. */
  get busy(): boolean {
    return this.inFlight !== null || this.pending.size > 0;
  }

  /** Hands over a completed chunk's next offset; it is sent with the next request. */
  done(topic: string, partition: number, nextOffset: string): void {
    const key = `${topic}\u0000${partition}`;
    const before = this.pending.get(key);
    if (before === undefined || BigInt(nextOffset) > BigInt(before.offset)) this.pending.set(key, { topic, partition, offset: nextOffset });
    this.schedule();
  }

  /** Throws (once) the error of a failed commit since the last call or reset. */
  takeFailure(): void {
    if (this.failure === null) return;
    const err = this.failure;
    this.failure = null;
    throw err;
  }

  /** Sends what is pending now, waits until everything handed over is committed, throws the error of a failed commit. */
  async flush(): Promise<void> {
    this.cancelTimer();
    while (this.inFlight !== null || this.pending.size > 0) {
      if (this.inFlight === null) this.start();
      await this.inFlight;
      this.cancelTimer();
    }
    this.takeFailure();
  }

  /**
   * Forgets offsets not sent yet and any failure: the group moved to a new generation (this
   * member rejoined), whose assignment starts from the offsets the coordinator holds. A request
   * already in flight completes or fails on its own, unreported.
   */
  reset(): void {
    this.epoch++;
    this.pending.clear();
    this.failure = null;
    this.cancelTimer();
  }

  private schedule(): void {
    if (this.inFlight !== null || this.timer !== null || this.pending.size === 0) return;
    const wait = this.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0) this.start();
    else
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, wait);
  }

  private cancelTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }

  private start(): void {
    const request = this.send();
    this.inFlight = request;
    void request.then(() => {
      this.inFlight = null;
      this.schedule();
    });
  }

  /** One request with everything pending; never rejects (a failure is kept for `takeFailure`). */
  private async send(): Promise<void> {
    const offsets = [...this.pending.values()];
    this.pending.clear();
    const epoch = this.epoch;
    this.sent++;
    this.lastSentAt = this.now();
    try {
      await this.commit(offsets);
    } catch (err) {
      if (epoch !== this.epoch) return;
      this.failure ??= err;
      // What completed after the failed request is not sent either: the runner stops the batch,
      // and kafkajs resumes from the coordinator's offsets.
      this.pending.clear();
    }
  }
}
