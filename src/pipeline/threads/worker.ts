/**
 * One pipeline thread of `warden run` with `pipeline.threads` > 1: a whole instance (stages,
 * consumer-group member, producer, Redis connection) in a worker thread, as `warden run` builds
 * it with one thread, without HTTP endpoints of its own (the host thread serves them for all).
 * Topics were created by the host before the threads started.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import { createPipelineMetrics } from '../../observability/metrics.js';
import { startWardenApp } from '../app.js';
import type { WardenApp } from '../app.js';
import { buildStages } from '../stages.js';
import type { BuiltStages } from '../stages.js';
import { serializeError } from './messages.js';
import type { HostMessage, ThreadData, ThreadMessage } from './messages.js';

const port = parentPort;
if (!port) throw new Error('src/pipeline/threads/worker.ts runs as a worker thread of warden run');
const data = workerData as ThreadData;
const say = (message: ThreadMessage): void => port.postMessage(message);

const loaded = loadConfig(data.configFile);
const config = { ...loaded, kafka: { ...loaded.kafka, createTopics: false } };
const logger = createLogger({ level: config.logging.level }).child({ thread: data.index });
// Process-wide figures (CPU, memory, event loop) are the host's: each thread counts only its own work.
const metrics = createPipelineMetrics({ defaultMetrics: false });

let stages: BuiltStages | null = null;
let app: WardenApp | null = null;

async function stop(): Promise<void> {
  if (app) await app.stop();
  else await stages?.close();
  say({ type: 'stopped' });
}

port.on('message', (message: HostMessage) => {
  switch (message.type) {
    case 'stop':
      stop().catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        say({ type: 'stopped' });
      });
      break;
    case 'reload':
      stages?.reload();
      break;
    case 'metrics':
      void metrics.registry.getMetricsAsJSON().then((json) => say({ type: 'metrics', id: message.id, metrics: json }));
      break;
    case 'ready':
      void (async () => {
        const store = await (stages?.storeHealthy() ?? Promise.resolve(false)).catch(() => false);
        say({ type: 'ready', id: message.id, checks: { kafka: app?.pipeline.ready ?? false, store } });
      })();
      break;
  }
});

try {
  stages = await buildStages(config, logger, { inventory: data.identities, policyDir: data.policies, followApprovals: true });
  app = await startWardenApp(config, logger, stages, { metrics, http: false });
  say({ type: 'started', signingKeyId: app.signingKeyId });
  void app.failed.then((err) => say({ type: 'failed', error: serializeError(err) }));
} catch (err) {
  say({ type: 'start-failed', error: serializeError(err) });
}
