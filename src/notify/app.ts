/**
 * One `warden sinks` process: the decisions consumer, its sinks (notifications, OCSF findings) and
 * its HTTP endpoints (`/metrics`, `/healthz`, `/readyz`), with an ordered close. Secrets (webhook
 * URLs, HMAC keys) are resolved once here and never logged.
 */
import { readFileSync } from 'node:fs';
import type { Dispatcher } from 'undici';
import type { WardenConfig } from '../config/schema.js';
import { createVerifier } from '../decisions/signing.js';
import { WardenError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { FindingsSink } from '../ocsf-out/sinks.js';
import { startHttpServer } from '../pipeline/http-server.js';
import { checkKafkaTls, createKafka, kafkaAuthError } from '../pipeline/kafka-client.js';
import { ensureTopics, topicSpecs } from '../pipeline/topics.js';
import { WARDEN_VERSION } from '../version.js';
import { createDeadLetterSink } from './dead-letters.js';
import { DecisionSinks } from './decision-sinks.js';
import { createSinkMetrics } from './metrics.js';
import type { SinkMetrics } from './metrics.js';
import { Notifier } from './notifier.js';
import { resolveTargets } from './targets.js';

export interface SinksApp {
  sinks: DecisionSinks;
  metrics: SinkMetrics;
  url: string;
  stop: () => Promise<void>;
}

export interface SinksAppOptions {
  /** Trusted public keys (PEM); default: `signing.publicKeyFile`. */
  publicKeys?: string[];
  metrics?: SinkMetrics;
  dispatcher?: Dispatcher;
  env?: NodeJS.ProcessEnv;
}

function readPublicKey(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WardenError('WARDEN_KEY_INVALID', `cannot read the decisions' public key ${file}: \`warden keys generate\` writes it next to the signing key`, { cause });
  }
}

/** Fails fast on a `warden sinks` with nothing to do. */
export function checkSinksConfig(config: WardenConfig): void {
  if (config.notify.routes.length === 0 && !config.ocsf.enabled) {
    throw new WardenError('WARDEN_CONFIG_INVALID', 'warden sinks has nothing to do: configure notify.routes (docs/notifications.md) and/or ocsf.enabled (docs/ocsf.md)');
  }
  if (config.ocsf.enabled && !config.ocsf.topic && config.ocsf.file === null) {
    throw new WardenError('WARDEN_CONFIG_INVALID', 'ocsf.enabled is true but neither ocsf.topic nor ocsf.file is set: findings would go nowhere');
  }
}

export async function startSinksApp(config: WardenConfig, logger: Logger, options: SinksAppOptions = {}): Promise<SinksApp> {
  checkSinksConfig(config);
  const targets = resolveTargets(config.notify, options.env);
  for (const t of targets.values()) {
    if (t.url.startsWith('http:')) logger.warn({ target: t.name }, 'notification target over plain http: its messages (and a Slack token in the URL) travel unencrypted; use https outside a test');
  }
  const verifier = createVerifier(options.publicKeys ?? [readPublicKey(config.signing.publicKeyFile)]);
  const metrics = options.metrics ?? createSinkMetrics();
  const kafka = createKafka(config, logger, '-sinks');
  await checkKafkaTls(config);
  if (config.kafka.createTopics) {
    const wanted = new Set([config.kafka.topics.findings, config.notify.deadLetter.topic]);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const created = await ensureTopics(admin, topicSpecs(config).filter((s) => wanted.has(s.topic) && (s.topic !== config.kafka.topics.findings || (config.ocsf.enabled && config.ocsf.topic))));
      if (created.length > 0) logger.info({ topics: created }, 'created missing topics');
    } catch (err) {
      throw kafkaAuthError(err, config) ?? err;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  const sinks = new DecisionSinks({
    config,
    kafka,
    verifier,
    logger,
    metrics,
    sinks: (producer) => ({
      notifier:
        config.notify.routes.length === 0
          ? null
          : new Notifier({
              config: config.notify,
              consoleUrl: config.console.url,
              targets,
              deadLetters: createDeadLetterSink({ file: config.notify.deadLetter.file, topic: config.notify.deadLetter.topic, producer, maxProduceBytes: config.pipeline.maxProduceBytes }),
              metrics,
              logger,
              dispatcher: options.dispatcher,
            }),
      findings: config.ocsf.enabled
        ? new FindingsSink({
            convert: { productVersion: WARDEN_VERSION, logName: config.kafka.topics.decisions },
            topic: config.ocsf.topic ? { name: config.kafka.topics.findings, producer, maxProduceBytes: config.pipeline.maxProduceBytes } : null,
            file: config.ocsf.file,
            onWritten: (sink, n) => metrics.findingsWritten.inc({ sink }, n),
          })
        : null,
    }),
  });
  const http = await startHttpServer({
    host: config.sinks.http.host,
    port: config.sinks.http.port,
    registry: metrics.registry,
    readiness: [{ name: 'kafka', check: () => sinks.ready }],
  });
  logger.info({ url: http.url, groupId: config.sinks.groupId, targets: [...targets.keys()], routes: config.notify.routes.length, ocsf: config.ocsf.enabled, trustedKeys: verifier.keyIds }, 'warden sinks listening');
  try {
    await sinks.start();
  } catch (err) {
    await sinks.stop();
    await http.app.close();
    throw kafkaAuthError(err, config) ?? err;
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('stopping: finishing the batch in hand');
      await sinks.stop();
      await http.app.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { sinks, metrics, url: http.url, stop };
}
