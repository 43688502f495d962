/**
 * Where a machine's CPU goes while a benchmark runs: the broker, Redis, the benchmark process
 * itself (load generator and watchers) and the machine as a whole, from /proc (Linux; NaN
 * elsewhere). A drain ratio means something only next to these: on a small machine the consumer
 * under test shares the cores with the broker and Redis, and what one consumer saves on the broker
 * (fewer records produced) is CPU the other can use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

const CLOCK_TICKS = 100;

/** User + system CPU seconds of a process so far; NaN when it cannot be read. */
export function processCpuSeconds(pid: number | string | undefined | null): number {
  if (!pid) return Number.NaN;
  try {
    // Fields after the command name: state is the 3rd; utime and stime are the 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * User + system CPU seconds of a process's main thread so far (its thread id is its pid); the rest
 * of its CPU is its other threads': V8's optimising compiler and garbage-collector helpers, libuv's
 * pool, worker threads. NaN when it cannot be read.
 */
export function mainThreadCpuSeconds(pid: number | undefined | null): number {
  return pid ? processCpuSeconds(`${pid}/task/${pid}`) : Number.NaN;
}

/**
 * Seconds a process's main thread has spent on a core and waiting on a run queue (ready to run,
 * no core free) so far, from `/proc/<pid>/task/<pid>/schedstat` (Linux with scheduler statistics;
 * NaN elsewhere). The wait is the part of a latency that is the machine's queueing for its cores
 * rather than the process's own work.
 */
export function mainThreadSchedule(pid: number | undefined | null): { running: number; waiting: number } {
  if (!pid) return { running: Number.NaN, waiting: Number.NaN };
  try {
    const [running, waiting] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { running: (running ?? Number.NaN) / 1e9, waiting: (waiting ?? Number.NaN) / 1e9 };
  } catch {
    return { running: Number.NaN, waiting: Number.NaN };
  }
}

/** Busy and total CPU seconds of the whole machine (all cores) so far, from /proc/stat. */
export function machineSeconds(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    // idle and iowait are the 4th and 5th numbers.
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

export interface MachinePids {
  broker: number | null;
  redis: number | null;
}

/**
 * The broker's pid from the services script's pid file (`.warden/kafka/broker.pid`, or
 * BENCH_BROKER_PID), Redis's from `INFO server`. Either is null when it cannot be found (a remote
 * service): its column then reads NaN.
 */
export async function findPids(redisUrl: string): Promise<MachinePids> {
  const fromEnv = Number(process.env.BENCH_BROKER_PID);
  const pidFile = '.warden/kafka/broker.pid';
  const broker = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || null : null;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
    // A Redis on another machine reports a pid that means nothing here.
    const host = new URL(redisUrl).hostname;
    return { broker, redis: Number.isInteger(pid) && (host === '127.0.0.1' || host === 'localhost') ? pid : null };
  } catch {
    return { broker, redis: null };
  } finally {
    redis.disconnect();
  }
}

export interface MachineSnapshot {
  broker: number;
  redis: number;
  bench: number;
  busy: number;
  total: number;
}

export function snapshot(pids: MachinePids): MachineSnapshot {
  const m = machineSeconds();
  const self = process.cpuUsage();
  return { broker: processCpuSeconds(pids.broker), redis: processCpuSeconds(pids.redis), bench: (self.user + self.system) / 1e6, busy: m.busy, total: m.total };
}

/** CPU µs per event of the broker, Redis and the benchmark process between two snapshots, and how busy the machine was. */
export function perEvent(a: MachineSnapshot, b: MachineSnapshot, events: number): { broker: number; redis: number; bench: number; busyShare: number; cores: number } {
  const us = (x: number, y: number): number => ((y - x) * 1e6) / events;
  return { broker: us(a.broker, b.broker), redis: us(a.redis, b.redis), bench: us(a.bench, b.bench), busyShare: (b.busy - a.busy) / (b.total - a.total), cores: b.total - a.total };
}
