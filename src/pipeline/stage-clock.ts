/**
 * Wall time and CPU time per pipeline stage. Wall time goes to the `warden_batch_duration_seconds`
 * histogram (per batch); CPU time (user + system, `process.cpuUsage`; a pipeline thread's own run
 * time with `pipeline.threads` > 1) to the counter
 * `warden_stage_cpu_seconds_total`, so CPU per event per stage is that counter over the events
 * decided (bench/pipeline.ts).
 *
 * Batches in flight overlap (one decides while another waits for the broker), so CPU is read at
 * every stage change and what was used since the previous change goes to the stages running then
 * (`CpuLedger`): all of it to a synchronous stage (normalize, sign: while one runs no other
 * JavaScript does), else split evenly among the stages running. A background stage (the commit
 * request, which runs beside the next batch) is charged only while no other stage runs: its own
 * work is a small request and its answer, and an even share of a batch's CPU would charge it for
 * the batch. CPU used while no stage runs (kafkajs fetching and decoding, timers, GC between
 * batches) is charged to no stage: it is the process total minus the stages.
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

/** Splits the process's CPU time among the stages running at each moment (see above). */
export class CpuLedger {
  private readonly running = new Map<string, number>();
  private runningTotal = 0;
  /** Background stages among `runningTotal`. */
  private runningBackground = 0;
  private last: number;

  /**
   * `charge(stage, µs)` receives every share; `exclusive` names the synchronous stages, which get
   * all the CPU used while they run; `background` names the stages charged only while no other
   * runs; `cpuNow` reads the process's CPU µs (tests pass their own).
   */
  constructor(
    private readonly charge: (stage: string, micros: number) => void,
    private readonly cpuNow: () => number = cpuMicros,
    private readonly exclusive: ReadonlySet<string> = new Set(),
    private readonly background: ReadonlySet<string> = new Set(),
  ) {
    this.last = cpuNow();
  }

  enter(stage: string): void {
    this.settle();
    this.add(stage);
  }

  leave(stage: string): void {
    this.settle();
    this.remove(stage);
  }

  /** `leave(from)` and `enter(to)` with one reading of the CPU clock (each costs ~1–2 µs). */
  switch(from: string, to: string): void {
    this.settle();
    this.remove(from);
    this.add(to);
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

  private settle(): void {
    const now = this.cpuNow();
    const used = now - this.last;
    this.last = now;
    if (this.runningTotal === 0 || used <= 0) return;
    for (const stage of this.running.keys()) {
      if (this.exclusive.has(stage)) {
        this.charge(stage, used);
        return;
      }
    }
    // Background stages share only when nothing else runs.
    const foreground = this.runningTotal - this.runningBackground;
    const sharing = foreground > 0 ? foreground : this.runningTotal;
    for (const [stage, n] of this.running) {
      if (foreground > 0 && this.background.has(stage)) continue;
      this.charge(stage, (used * n) / sharing);
    }
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
    this.ledger = new CpuLedger((stage, micros) => cpu.inc({ stage }, micros / 1e6), stageCpuClock(), SYNCHRONOUS, BACKGROUND);
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
