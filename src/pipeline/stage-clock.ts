/**
 * Wall time and CPU time per pipeline stage. Wall time goes to the `warden_batch_duration_seconds`
 * histogram (per batch); CPU time (user + system, `process.cpuUsage`) to the counter
 * `warden_stage_cpu_seconds_total`, so CPU per event per stage is that counter over the events
 * decided (bench/pipeline.ts). CPU is process-wide: while a stage awaits I/O, work of another batch
 * in flight (or of kafkajs' background fetches) counts to it; with one batch in flight only the
 * background work does.
 */
import { Counter } from 'prom-client';
import type { PipelineMetrics } from '../observability/metrics.js';

export type Stage = 'normalize' | 'decide' | 'sign' | 'produce' | 'learn' | 'commit' | 'total';

export interface StageMark {
  wallMs: number;
  cpuMicros: number;
}

const CPU_METRIC = 'warden_stage_cpu_seconds_total';

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

export class StageClock {
  private readonly cpu: Counter<'stage'>;

  constructor(private readonly metrics: PipelineMetrics) {
    const existing = metrics.registry.getSingleMetric(CPU_METRIC) as Counter<'stage'> | undefined;
    this.cpu = existing ?? new Counter({ name: CPU_METRIC, help: 'CPU time (user + system) spent in each pipeline stage, process-wide while the stage runs', labelNames: ['stage'], registers: [metrics.registry] });
  }

  start(): StageMark {
    return { wallMs: performance.now(), cpuMicros: cpuMicros() };
  }

  /** Ends a stage begun at `from`; returns the mark that begins the next one. */
  stop(stage: Stage, from: StageMark): StageMark {
    const now = this.start();
    this.metrics.batchSeconds.observe({ stage }, (now.wallMs - from.wallMs) / 1000);
    this.cpu.inc({ stage }, (now.cpuMicros - from.cpuMicros) / 1e6);
    return now;
  }
}
