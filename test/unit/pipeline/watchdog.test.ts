/**
 * The consumer watchdog on a fake clock: it restarts only when the lag of this member's
 * partitions grew while no batch completed for the stall time, never for an idle stream, a busy
 * but progressing one, or another member's backlog; the loop counts a restart and escalates one
 * that hangs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsumerWatchdog, WatchdogLoop } from '../../../src/pipeline/watchdog.js';
import type { WatchdogVerdict } from '../../../src/pipeline/watchdog.js';

const lag = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));

describe('ConsumerWatchdog', () => {
  it('asks for a restart once lag grew and no batch completed for the stall time, not before', () => {
    const w = new ConsumerWatchdog(60_000, 0);
    expect(w.observe({ atMs: 1_000, lag: lag({ 'a:0': 10 }) }).restart).toBe(false);
    expect(w.observe({ atMs: 30_000, lag: lag({ 'a:0': 50 }) }).restart).toBe(false);
    expect(w.observe({ atMs: 59_999, lag: lag({ 'a:0': 90 }) }).restart).toBe(false);
    const verdict = w.observe({ atMs: 60_000, lag: lag({ 'a:0': 95 }) });
    expect(verdict).toEqual({ restart: true, stalledMs: 60_000, grown: [{ partition: 'a:0', from: 10, to: 95 }] });
  });

  it('never restarts an idle stream (no lag) or one whose lag shrinks; a backlog that stays put is a stall', () => {
    const w = new ConsumerWatchdog(10_000, 0);
    w.observe({ atMs: 0, lag: lag({ 'a:0': 0, 'a:1': 0 }) });
    for (let t = 1_000; t <= 120_000; t += 1_000) expect(w.observe({ atMs: t, lag: lag({ 'a:0': 0, 'a:1': 0 }) }).restart).toBe(false);
    const stuck = new ConsumerWatchdog(10_000, 0);
    stuck.observe({ atMs: 0, lag: lag({ 'a:0': 7, 'a:1': 0 }) });
    expect(stuck.observe({ atMs: 9_000, lag: lag({ 'a:0': 7, 'a:1': 0 }) }).restart).toBe(false);
    expect(stuck.observe({ atMs: 10_000, lag: lag({ 'a:0': 7, 'a:1': 0 }) })).toEqual({ restart: true, stalledMs: 10_000, grown: [{ partition: 'a:0', from: 7, to: 7 }] });
    const shrinking = new ConsumerWatchdog(10_000, 0);
    shrinking.observe({ atMs: 0, lag: lag({ 'a:0': 100 }) });
    expect(shrinking.observe({ atMs: 20_000, lag: lag({ 'a:0': 40 }) }).restart).toBe(false);
  });

  it('a completed batch resets the stall: a busy consumer with growing lag is not restarted', () => {
    const w = new ConsumerWatchdog(10_000, 0);
    let backlog = 0;
    for (let t = 0; t <= 100_000; t += 2_500) {
      backlog += 500;
      expect(w.observe({ atMs: t, lag: lag({ 'a:0': backlog }) }).restart).toBe(false);
      w.batchCompleted(t + 1);
    }
  });

  it('measures growth from the first sample after the last batch, not from start', () => {
    const w = new ConsumerWatchdog(10_000, 0);
    w.observe({ atMs: 0, lag: lag({ 'a:0': 0 }) });
    w.batchCompleted(5_000);
    expect(w.observe({ atMs: 6_000, lag: lag({ 'a:0': 300 }) }).restart).toBe(false);
    expect(w.observe({ atMs: 14_999, lag: lag({ 'a:0': 301 }) }).restart).toBe(false);
    expect(w.observe({ atMs: 15_500, lag: lag({ 'a:0': 301 }) })).toMatchObject({ restart: true, stalledMs: 10_500, grown: [{ partition: 'a:0', from: 300, to: 301 }] });
  });

  it('watches only the partitions assigned to this member once it joined', () => {
    const w = new ConsumerWatchdog(10_000, 0);
    w.assigned(['a:0']);
    w.observe({ atMs: 0, lag: lag({ 'a:0': 5, 'a:1': 5 }) });
    // Another member's partition piles up: not this member's hang.
    expect(w.observe({ atMs: 20_000, lag: lag({ 'a:0': 0, 'a:1': 5_000 }) }).restart).toBe(false);
    expect(w.observe({ atMs: 21_000, lag: lag({ 'a:0': 6, 'a:1': 5_000 }) })).toMatchObject({ restart: true, grown: [{ partition: 'a:0', from: 5, to: 6 }] });
  });

  it('before it ever joined, every partition is watched; a new partition counts from zero', () => {
    const w = new ConsumerWatchdog(10_000, 0);
    w.observe({ atMs: 0, lag: lag({ 'a:0': 0 }) });
    expect(w.observe({ atMs: 12_000, lag: lag({ 'a:0': 0, 'a:1': 3 }) })).toMatchObject({ restart: true, grown: [{ partition: 'a:1', from: 0, to: 3 }] });
  });

  it('after a restart the consumer gets a whole stall period again', () => {
    const w = new ConsumerWatchdog(10_000, 0);
    w.observe({ atMs: 0, lag: lag({ 'a:0': 0 }) });
    expect(w.observe({ atMs: 10_000, lag: lag({ 'a:0': 1 }) }).restart).toBe(true);
    w.restarted(10_000);
    expect(w.observe({ atMs: 11_000, lag: lag({ 'a:0': 2 }) }).restart).toBe(false);
    expect(w.observe({ atMs: 19_999, lag: lag({ 'a:0': 9 }) }).restart).toBe(false);
    expect(w.observe({ atMs: 20_000, lag: lag({ 'a:0': 10 }) }).restart).toBe(true);
  });

  it('refuses a stall time that is not positive', () => {
    expect(() => new ConsumerWatchdog(0, 0)).toThrow(/positive/);
  });
});

describe('WatchdogLoop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function harness(restart: () => Promise<void>) {
    let clock = 0;
    let samples = lag({ 'a:0': 0 });
    const events: string[] = [];
    const watchdog = new ConsumerWatchdog(10_000, 0);
    const loop = new WatchdogLoop({
      watchdog,
      stallMs: 10_000,
      now: () => clock,
      sampleLag: async () => samples,
      restart,
      onRestart: (v: Extract<WatchdogVerdict, { restart: true }>) => events.push(`restart after ${v.stalledMs}`),
      onRestartFailed: (err) => events.push(`fatal: ${err.message}`),
      onSampleError: (err) => events.push(`sample error: ${String(err)}`),
    });
    return {
      loop,
      watchdog,
      events,
      at: (ms: number, next: Record<string, number>) => {
        clock = ms;
        samples = lag(next);
      },
    };
  }

  it('samples at a quarter of the stall time, restarts once on a stall, then waits a full period again', async () => {
    let restarts = 0;
    const h = harness(async () => void restarts++);
    expect(h.loop.intervalMs).toBe(2_500);
    await h.loop.tick();
    h.at(5_000, { 'a:0': 10 });
    await h.loop.tick();
    h.at(10_000, { 'a:0': 20 });
    await h.loop.tick();
    expect(restarts).toBe(1);
    expect(h.events).toEqual(['restart after 10000']);
    h.at(12_500, { 'a:0': 30 });
    await h.loop.tick();
    expect(restarts).toBe(1);
  });

  it('a restart that hangs past the stall time is reported as fatal', async () => {
    vi.useFakeTimers();
    const h = harness(() => new Promise<void>(() => undefined));
    await h.loop.tick();
    h.at(10_000, { 'a:0': 1 });
    const tick = h.loop.tick();
    await vi.advanceTimersByTimeAsync(10_000);
    await tick;
    expect(h.events).toEqual(['restart after 10000', 'fatal: the consumer restart did not finish within 10000 ms']);
  });

  it('a restart that fails is reported as fatal; a failing lag sample is only reported', async () => {
    const h = harness(async () => {
      throw new Error('broker gone');
    });
    await h.loop.tick();
    h.at(10_000, { 'a:0': 1 });
    await h.loop.tick();
    expect(h.events).toEqual(['restart after 10000', 'fatal: broker gone']);

    const failing = new WatchdogLoop({
      watchdog: new ConsumerWatchdog(10_000, 0),
      stallMs: 10_000,
      now: () => 0,
      sampleLag: async () => {
        throw new Error('no coordinator');
      },
      restart: async () => undefined,
      onRestart: () => h.events.push('unexpected restart'),
      onRestartFailed: () => h.events.push('unexpected fatal'),
      onSampleError: (err) => h.events.push(`sample error: ${(err as Error).message}`),
    });
    await failing.tick();
    expect(h.events.slice(2)).toEqual(['sample error: no coordinator']);
  });

  it('runs on its timer until stopped', async () => {
    vi.useFakeTimers();
    let sampled = 0;
    const loop = new WatchdogLoop({
      watchdog: new ConsumerWatchdog(4_000, 0),
      stallMs: 4_000,
      now: () => Date.now(),
      sampleLag: async () => {
        sampled++;
        return lag({});
      },
      restart: async () => undefined,
      onRestart: () => undefined,
      onRestartFailed: () => undefined,
      onSampleError: () => undefined,
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(3_500);
    expect(sampled).toBe(3);
    loop.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sampled).toBe(3);
  });
});
