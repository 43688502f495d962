/**
 * The consumer watchdog: kafkajs can hang (a rebalance that never settles, a fetch loop stuck on
 * a broker that went away) while the process looks alive: no crash, no exit, the readiness probe
 * still green, the stream silently piling up. The watchdog notices the one symptom a user cares
 * about, the lag of this member's partitions growing (or a backlog not shrinking) while it
 * completes no batch for `pipeline.watchdog.stallSeconds`, and asks for the consumer to be
 * restarted.
 *
 * `ConsumerWatchdog` is pure: lag samples, batch completions and the clock are its inputs, a
 * verdict its output. `WatchdogLoop` drives it on a timer with the I/O passed in (a lag sampler,
 * the restart, the clock), so both are unit-tested with a fake clock.
 */

/** Lag (high watermark minus committed offset) per `topic:partition`, at one moment. */
export interface LagSample {
  atMs: number;
  lag: ReadonlyMap<string, number>;
}

export type WatchdogVerdict =
  | { restart: false }
  | {
      restart: true;
      /** ms since the last completed batch (or start, or the last restart). */
      stalledMs: number;
      /** The watched partitions whose lag grew, or stayed above zero, over the stall. */
      grown: Array<{ partition: string; from: number; to: number }>;
    };

export class ConsumerWatchdog {
  private progressAt: number;
  /** Lag at the first sample after the last progress: what "growing" is measured against. */
  private baseline: ReadonlyMap<string, number> | null = null;
  private assignment: ReadonlySet<string> | null = null;

  /** @param stallMs how long without a completed batch, lag growing, counts as a hang. */
  constructor(
    private readonly stallMs: number,
    startedAtMs: number,
  ) {
    if (!(stallMs > 0)) throw new RangeError(`stallMs must be positive, not ${stallMs}`);
    this.progressAt = startedAtMs;
  }

  /** A batch was decided and committed: the consumer is alive. */
  batchCompleted(atMs: number): void {
    this.progressAt = Math.max(this.progressAt, atMs);
    this.baseline = null;
  }

  /**
   * The partitions this member was given at its last join (`topic:partition`). Until it has
   * joined once, every sampled partition is watched: a member that never gets into its group is
   * the hang to catch. The last assignment stays watched through a rebalance, which is when
   * kafkajs hangs.
   */
  assigned(partitions: Iterable<string>): void {
    this.assignment = new Set(partitions);
  }

  /** The consumer was restarted: it gets a full stall period to show progress. */
  restarted(atMs: number): void {
    this.batchCompleted(atMs);
  }

  observe(sample: LagSample): WatchdogVerdict {
    const watched = this.watched(sample.lag);
    if (this.baseline === null) {
      this.baseline = watched;
      return { restart: false };
    }
    const stalledMs = sample.atMs - this.progressAt;
    if (stalledMs < this.stallMs) return { restart: false };
    const grown: Array<{ partition: string; from: number; to: number }> = [];
    // A backlog that did not shrink counts like one that grew: had the consumer been fetching,
    // a batch would have completed. An idle stream (no lag) never trips it.
    for (const [partition, to] of watched) {
      const from = this.baseline.get(partition) ?? 0;
      if (to > 0 && to >= from) grown.push({ partition, from, to });
    }
    return grown.length > 0 ? { restart: true, stalledMs, grown } : { restart: false };
  }

  private watched(lag: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
    const assignment = this.assignment;
    if (assignment === null) return lag;
    return new Map([...lag].filter(([partition]) => assignment.has(partition)));
  }
}

export interface WatchdogLoopDeps {
  watchdog: ConsumerWatchdog;
  /** Current lag per partition of the group's input topics. */
  sampleLag: () => Promise<ReadonlyMap<string, number>>;
  /** Restarts the consumer; rejects or never settles when it cannot. */
  restart: () => Promise<void>;
  /** Called when a restart did not finish within the stall time: the process should exit. */
  onRestartFailed: (err: Error) => void;
  onRestart: (verdict: Extract<WatchdogVerdict, { restart: true }>) => void;
  /** A lag sample failed (the broker may be the very thing that is down): logged, not fatal. */
  onSampleError: (err: unknown) => void;
  now: () => number;
  stallMs: number;
  /** How often lag is sampled. @defaultValue a quarter of `stallMs`, at most 15 s */
  intervalMs?: number;
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
  clearTimer?: (timer: unknown) => void;
}

/** Samples lag on a timer, feeds the watchdog, and restarts the consumer when it says so. */
export class WatchdogLoop {
  private timer: unknown = null;
  private busy = false;
  private stopped = false;

  constructor(private readonly deps: WatchdogLoopDeps) {}

  get intervalMs(): number {
    return this.deps.intervalMs ?? Math.min(15_000, Math.max(250, Math.floor(this.deps.stallMs / 4)));
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) (this.deps.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout)))(this.timer);
    this.timer = null;
  }

  /** One sample and, if needed, one restart. Exposed for tests; the timer calls it. */
  async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      let lag: ReadonlyMap<string, number>;
      try {
        lag = await this.deps.sampleLag();
      } catch (err) {
        this.deps.onSampleError(err);
        return;
      }
      const verdict = this.deps.watchdog.observe({ atMs: this.deps.now(), lag });
      if (!verdict.restart || this.stopped) return;
      this.deps.onRestart(verdict);
      const failed = await this.restartWithin(this.deps.stallMs);
      if (failed) this.deps.onRestartFailed(failed);
      else this.deps.watchdog.restarted(this.deps.now());
    } finally {
      this.busy = false;
    }
  }

  private async restartWithin(ms: number): Promise<Error | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Error>((resolve) => {
      timer = setTimeout(() => resolve(new Error(`the consumer restart did not finish within ${ms} ms`)), ms);
      timer.unref?.();
    });
    try {
      return await Promise.race([this.deps.restart().then(() => null), timeout]);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const set = this.deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    const timer = set(() => {
      void this.tick().finally(() => this.schedule());
    }, this.intervalMs);
    timer.unref?.();
    this.timer = timer;
  }
}
