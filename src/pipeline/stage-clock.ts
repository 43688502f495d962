/**
 * Wall time and CPU time per pipeline stage. Wall time goes to the `warden_batch_duration_seconds`
 * histogram (per batch); CPU time (user + system, `process.cpuUsage`; a pipeline thread's own run
 * time with `pipeline.threads` > 1) to the counter
 * `warden_stage_cpu_seconds_total`, so CPU per event per stage is that counter over the events
 * decided (bench/pipeline.ts).
 *
 * Batches in flight overlap (one decides while another waits for the broker), so what is used at
 * each moment goes to the stages running then (`CpuLedger`): all of it to a synchronous stage
 * (normalize, sign: while one runs no other JavaScript does), else split evenly among the stages
 * running. A background stage (the commit request, which runs beside the next batch) is charged
 * only while no other stage runs: its own work is a small request and its answer, and an even
 * share of a batch's CPU would charge it for the batch. What is used while no stage runs (kafkajs
 * fetching and decoding, timers, GC between batches) is charged to no stage: it is the process
 * total minus the stages.
 *
 * The CPU clock is a system call (`getrusage`, or a read of `/proc`), and one at every change of
 * stage cost ~6 µs each under load: at a steady rate, where a batch holds a handful of events, 5 %
 * of the CPU per event. So the ledger follows the thread's busy time between changes instead (the
 * event loop's active time, no system call) and reads the CPU clock once some milliseconds of it
 * have passed; the CPU used in between goes to the stages in proportion to the busy time each had.
 * Waiting for the broker is not busy time, so a stage that only waits gets (almost) nothing, as it
 * would with a reading at each change.
 */
import { openSync, readSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { Counter } from 'prom-client';
import type { PipelineMetrics } from '../observability/metrics.js';

export type Stage = 'normalize' | 'decide' | 'sign' | 'produce' | 'learn' | 'commit';

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** This thread's busy time in µs: its event loop's active time (the thread's own in a worker thread). */
function busyMicros(): number {
  return performance.eventLoopUtilization().active * 1000;
}

/**
 * The CPU µs of this thread alone, for a pipeline thread (`pipeline.threads` > 1), where
 * `process.cpuUsage` would count the other threads' work too: Linux's per-thread run time
 * (`/proc/thread-self/schedstat`, nanoseconds on a CPU), read through a descriptor opened by
 * the thread itself. Null where it cannot be read.
 */
function threadCpuClock(): (() => number) | null {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
  const buf = Buffer.alloc(64);
  return () => {
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('latin1', 0, n);
    return Number(text.slice(0, text.indexOf(' '))) / 1000;
  };
}

/** This thread's CPU clock: the process's on the main thread, the thread's own in a worker thread. */
function stageCpuClock(): () => number {
  return isMainThread ? cpuMicros : (threadCpuClock() ?? cpuMicros);
}

export interface CpuLedgerOptions {
  /** The CPU clock, µs (tests pass their own). @defaultValue the process's */
  cpuNow?: () => number;
  /** The thread's busy time, µs (tests pass their own). @defaultValue the event loop's active time */
  busyNow?: () => number;
  /** Synchronous stages: they get all the CPU used while they run. */
  exclusive?: ReadonlySet<string>;
  /** Stages charged only while no other runs. */
  background?: ReadonlySet<string>;
  /** Busy time between two readings of the CPU clock, µs; 0 reads it at every change. @defaultValue 2000 */
  readEveryMicros?: number;
}

/** Busy time between two readings of the CPU clock (see above): ~250 readings a second at most. */
const READ_EVERY_MICROS = 2000;

/** Splits the process's CPU time among the stages running at each moment (see above). */
export class CpuLedger {
  private readonly running = new Map<string, number>();
  private runningTotal = 0;
  /** Background stages among `runningTotal`. */
  private runningBackground = 0;
  private readonly cpuNow: () => number;
  private readonly busyNow: () => number;
  private readonly exclusive: ReadonlySet<string>;
  private readonly background: ReadonlySet<string>;
  private readonly readEvery: number;
  private lastCpu: number;
  private lastBusy: number;
  /** Busy time each stage had since the last reading of the CPU clock. */
  private readonly pending = new Map<string, number>();
  /** All busy time since that reading, with stages running or not. */
  private pendingBusy = 0;

  /** `charge(stage, µs)` receives every share. */
  constructor(
    private readonly charge: (stage: string, micros: number) => void,
    options: CpuLedgerOptions = {},
  ) {
    this.cpuNow = options.cpuNow ?? cpuMicros;
    this.busyNow = options.busyNow ?? busyMicros;
    this.exclusive = options.exclusive ?? new Set();
    this.background = options.background ?? new Set();
    this.readEvery = options.readEveryMicros ?? READ_EVERY_MICROS;
    this.lastCpu = this.cpuNow();
    this.lastBusy = this.busyNow();
  }

  enter(stage: string): void {
    this.settle();
    this.add(stage);
  }

  leave(stage: string): void {
    this.settle();
    this.remove(stage);
  }

  /** `leave(from)` and `enter(to)` at one moment. */
  switch(from: string, to: string): void {
    this.settle();
    this.remove(from);
    this.add(to);
  }

  /** Reads the CPU clock now and charges what was used since the last reading. */
  flush(): void {
    this.settle();
    this.read();
  }

  private add(stage: string): void {
    this.running.set(stage, (this.running.get(stage) ?? 0) + 1);
    this.runningTotal++;
    if (this.background.has(stage)) this.runningBackground++;
  }

  private remove(stage: string): void {
    const n = this.running.get(stage) ?? 0;
    if (n <= 0) return;
    if (n === 1) this.running.delete(stage);
    else this.running.set(stage, n - 1);
    this.runningTotal--;
    if (this.background.has(stage)) this.runningBackground--;
  }

  /** Gives the busy time since the last change to the stages running, and reads the CPU clock when due. */
  private settle(): void {
    const now = this.busyNow();
    const busy = now - this.lastBusy;
    this.lastBusy = now;
    if (busy > 0) {
      this.pendingBusy += busy;
      if (this.runningTotal > 0) this.share(busy);
    }
    if (this.pendingBusy >= this.readEvery) this.read();
  }

  private share(busy: number): void {
    for (const stage of this.running.keys()) {
      if (this.exclusive.has(stage)) {
        this.pending.set(stage, (this.pending.get(stage) ?? 0) + busy);
        return;
      }
    }
    // Background stages share only when nothing else runs.
    const foreground = this.runningTotal - this.runningBackground;
    const sharing = foreground > 0 ? foreground : this.runningTotal;
    for (const [stage, n] of this.running) {
      if (foreground > 0 && this.background.has(stage)) continue;
      this.pending.set(stage, (this.pending.get(stage) ?? 0) + (busy * n) / sharing);
    }
  }

  private read(): void {
    const now = this.cpuNow();
    const used = now - this.lastCpu;
    this.lastCpu = now;
    if (used > 0 && this.pendingBusy > 0) {
      for (const [stage, busy] of this.pending) this.charge(stage, (used * busy) / this.pendingBusy);
    }
    this.pending.clear();
    this.pendingBusy = 0;
  }
}

export interface StageMark {
  stage: Stage;
  wallMs: number;
}

const CPU_METRIC = 'warden_stage_cpu_seconds_total';
/** Stages with no await in them (chunk-step.ts): nothing else runs while they do. */
const SYNCHRONOUS: ReadonlySet<string> = new Set<Stage>(['normalize', 'sign']);
/** Requests that run beside the batches (the runner's coalesced offset commits). */
const BACKGROUND: ReadonlySet<string> = new Set<Stage>(['commit']);

export class StageClock {
  private readonly ledger: CpuLedger;

  constructor(private readonly metrics: PipelineMetrics) {
    const existing = metrics.registry.getSingleMetric(CPU_METRIC) as Counter<'stage'> | undefined;
    const cpu = existing ?? new Counter({ name: CPU_METRIC, help: 'CPU time (user + system) of each pipeline stage; overlapping stages share it evenly', labelNames: ['stage'], registers: [metrics.registry] });
    this.ledger = new CpuLedger((stage, micros) => cpu.inc({ stage }, micros / 1e6), { cpuNow: stageCpuClock(), exclusive: SYNCHRONOUS, background: BACKGROUND });
  }

  begin(stage: Stage): StageMark {
    this.ledger.enter(stage);
    return { stage, wallMs: performance.now() };
  }

  end(mark: StageMark): number {
    this.ledger.leave(mark.stage);
    const now = performance.now();
    this.metrics.batchSeconds.observe({ stage: mark.stage }, (now - mark.wallMs) / 1000);
    return now;
  }

  /** Times `run` as one stage (begun now, ended when it settles). */
  async time<T>(stage: Stage, run: () => Promise<T>): Promise<T> {
    const mark = this.begin(stage);
    try {
      return await run();
    } finally {
      this.end(mark);
    }
  }

  /** Ends one stage and begins the next. */
  next(mark: StageMark, stage: Stage): StageMark {
    this.ledger.switch(mark.stage, stage);
    const now = performance.now();
    this.metrics.batchSeconds.observe({ stage: mark.stage }, (now - mark.wallMs) / 1000);
    return { stage, wallMs: now };
  }
}
