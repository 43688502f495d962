/**
 * `warden run` with `pipeline.threads` = N > 1: N pipeline threads in one process, each a whole
 * instance and a member of the consumer group (like N `warden run` processes, partitions shared
 * among them by the group), so one process can use several cores. The host thread creates the
 * topics once, starts the threads, serves the HTTP endpoints for all of them (`/metrics` sums the
 * threads' counters and histograms; `/readyz` is ready when every thread is), passes SIGHUP on as
 * a reload, and stops them all on a signal or when one of them fails for good.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { WardenConfig } from '../../config/schema.js';
import { WardenError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { createConfiguredTopics } from '../app.js';
import { startHttpServer } from '../http-server.js';
import { createKafka, kafkaAuthError } from '../kafka-client.js';
import type { HostMessage, SerializedError, ThreadData, ThreadMessage } from './messages.js';

export interface ThreadedWarden {
  url: string;
  threads: number;
  reload(): void;
  stop(): Promise<void>;
  /** Settles with the error when a thread stopped for good (the others are stopped by then). */
  failed: Promise<Error>;
}

export interface ThreadedOptions {
  configFile: string;
  identities?: string | undefined;
  policies?: string | undefined;
  /** How long a thread may take to finish its batch and stop before it is terminated. @defaultValue 30000 */
  stopTimeoutMs?: number;
}

/** The worker's file: compiled JavaScript next to this one, or the TypeScript source under tsx (tests). */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { file: fileURLToPath(new URL('./worker.ts', here)), execArgv: ['--import', 'tsx'] };
  return { file: fileURLToPath(new URL('./worker.js', here)), execArgv: [] };
}

function asError(e: SerializedError): Error {
  const err = e.code?.startsWith('WARDEN_') ? new WardenError(e.code as never, e.message, e.hint !== undefined ? { hint: e.hint } : {}) : new Error(e.message);
  return err;
}

class PipelineThread {
  readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, (message: ThreadMessage) => void>();
  readonly started: Promise<void>;
  readonly stopped: Promise<void>;
  exited = false;
  /** Set once the host asked the thread to stop: an exit before that is a failure. */
  private stopping = false;

  constructor(index: number, options: ThreadedOptions, onFailed: (err: Error) => void) {
    const entry = workerEntry();
    const data: ThreadData = { index, configFile: options.configFile, identities: options.identities, policies: options.policies };
    this.worker = new Worker(entry.file, { workerData: data, execArgv: entry.execArgv });
    let resolveStarted!: () => void;
    let rejectStarted!: (err: Error) => void;
    this.started = new Promise((resolve, reject) => {
      resolveStarted = resolve;
      rejectStarted = reject;
    });
    let resolveStopped!: () => void;
    this.stopped = new Promise((resolve) => (resolveStopped = resolve));
    this.worker.on('message', (message: ThreadMessage) => {
      switch (message.type) {
        case 'started':
          resolveStarted();
          break;
        case 'start-failed':
          rejectStarted(asError(message.error));
          break;
        case 'stopped':
          resolveStopped();
          break;
        case 'failed':
          onFailed(asError(message.error));
          break;
        case 'metrics':
        case 'ready':
          this.pending.get(message.id)?.(message);
          this.pending.delete(message.id);
          break;
      }
    });
    this.worker.on('error', (err) => {
      rejectStarted(err);
      onFailed(err);
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      // A thread that ends by itself (it called process.exit, or its start failed) takes the process down with it.
      if (!this.stopping) onFailed(new Error(`pipeline thread ${index} exited with code ${code}`));
      resolveStopped();
      rejectStarted(new Error(`pipeline thread ${index} exited with code ${code} while starting`));
      for (const answer of this.pending.values()) answer({ type: 'stopped' });
      this.pending.clear();
    });
  }

  send(message: HostMessage): void {
    if (message.type === 'stop') this.stopping = true;
    if (!this.exited) this.worker.postMessage(message);
  }

  /** Asks the thread and waits for its answer (an exited thread answers `stopped`). */
  ask(type: 'metrics' | 'ready'): Promise<ThreadMessage> {
    if (this.exited) return Promise.resolve({ type: 'stopped' });
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ type, id } satisfies HostMessage);
    });
  }
}

export async function startThreadedWarden(config: WardenConfig, logger: Logger, options: ThreadedOptions): Promise<ThreadedWarden> {
  const count = config.pipeline.threads;
  // Topics once, before any thread's producer looks for them.
  if (config.kafka.createTopics) {
    try {
      await createConfiguredTopics(config, createKafka(config, logger), logger);
    } catch (err) {
      throw kafkaAuthError(err, config) ?? err;
    }
  }
  let failWith!: (err: Error) => void;
  const failedOnce = new Promise<Error>((resolve) => (failWith = resolve));
  let failure: Error | null = null;
  const onFailed = (err: Error): void => {
    if (failure) return;
    failure = err;
    failWith(err);
  };
  const threads = Array.from({ length: count }, (_, i) => new PipelineThread(i + 1, options, onFailed));
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const stopAll = async (): Promise<void> => {
    await Promise.all(
      threads.map(async (t) => {
        t.send({ type: 'stop' });
        const timedOut = await Promise.race([t.stopped.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), stopTimeoutMs).unref())]);
        if (timedOut) logger.warn({ threadId: t.worker.threadId }, 'a pipeline thread did not stop in time; terminating it');
        await t.worker.terminate();
      }),
    );
  };
  try {
    await Promise.all(threads.map((t) => t.started));
  } catch (err) {
    await stopAll();
    throw err;
  }

  // The host's own registry holds the process-wide figures; the threads' counters are added in.
  const own = new Registry();
  collectDefaultMetrics({ register: own, prefix: 'warden_' });
  const registry = {
    contentType: own.contentType,
    async metrics(): Promise<string> {
      const answers = await Promise.all(threads.map((t) => t.ask('metrics')));
      const lists: Array<Array<MetricObjectWithValues<MetricValue<string>>>> = [await own.getMetricsAsJSON()];
      for (const a of answers) if (a.type === 'metrics') lists.push(a.metrics);
      return AggregatorRegistry.aggregate(lists).metrics();
    },
  };
  const http = await startHttpServer({
    host: config.pipeline.http.host,
    port: config.pipeline.http.port,
    registry,
    readiness: ['kafka', 'store'].map((name) => ({
      name,
      check: async () => {
        const answers = await Promise.all(threads.map((t) => t.ask('ready')));
        return answers.every((a) => a.type === 'ready' && a.checks[name] === true);
      },
    })),
  }).catch(async (err: unknown) => {
    await stopAll();
    throw err;
  });
  logger.info({ url: http.url, threads: count }, 'warden listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ threads: count }, 'stopping: each thread finishes the batch in hand');
      await stopAll();
      await http.app.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  const failed = failedOnce.then(async (err) => {
    logger.fatal({ err }, 'a pipeline thread stopped and cannot restart itself; shutting down');
    await stop().catch((stopErr: unknown) => logger.error({ err: stopErr }, 'error while stopping'));
    return err;
  });
  return { url: http.url, threads: count, reload: () => threads.forEach((t) => t.send({ type: 'reload' })), stop, failed };
}
