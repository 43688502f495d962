/**
 * Offset commits off the batch path. A chunk whose decisions are acknowledged and whose learning
 * is stored hands its next offset to `done`, and the runner goes on with the next chunk (or lets
 * kafkajs fetch again) without waiting for the group coordinator's answer. One commit request is
 * in flight at a time; whatever chunks complete meanwhile are coalesced into the next request
 * (the highest offset per partition), so a backlog drain sends one commit per coordinator round
 * trip instead of one per chunk, and the commit round trip is no longer on the path of the next
 * fetch (produce → decision latency at low load).
 *
 * What this does not change: an offset is handed over only after its chunk was published and
 * learned (decide → publish → learn → commit), offsets only grow per partition within a group
 * generation, and a commit that fails is reported to the runner (`takeFailure`), which stops the
 * batch so that kafkajs rejoins or restarts from the last commit. Redelivery after a crash is
 * bounded by the chunks completed during one commit round trip, on top of the chunk in hand; they
 * are decided again with the same ids and not learned twice (the store's watermark).
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
  private failure: unknown = null;
  /** Bumped by `reset`: an answer to a request of an earlier generation is not reported. */
  private epoch = 0;
  private sent = 0;

  /** @param commit sends one commit request (kafkajs `consumer.commitOffsets`). */
  constructor(private readonly commit: (offsets: PartitionOffset[]) => Promise<void>) {}

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
    this.inFlight ??= this.drain();
  }

  /** Throws (once) the error of a failed commit since the last call or reset. */
  takeFailure(): void {
    if (this.failure === null) return;
    const err = this.failure;
    this.failure = null;
    throw err;
  }

  /** Waits until everything handed over is committed; throws the error of a failed commit. */
  async flush(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
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
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const offsets = [...this.pending.values()];
        this.pending.clear();
        const epoch = this.epoch;
        this.sent++;
        try {
          await this.commit(offsets);
        } catch (err) {
          if (epoch !== this.epoch) continue;
          this.failure ??= err;
          // What completed after the failed request is not sent either: the runner stops the
          // batch, and kafkajs resumes from the coordinator's offsets.
          this.pending.clear();
        }
      }
    } finally {
      this.inFlight = null;
    }
  }
}
