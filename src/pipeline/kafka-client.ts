/** Builds the kafkajs client from config: brokers, TLS, SASL (PLAIN / SCRAM), retries, logging. */
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig, LogEntry, SASLOptions } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { resolveSecret, tlsOptions } from './secrets.js';

function saslOptions(config: WardenConfig['kafka']): SASLOptions | undefined {
  const sasl = config.sasl;
  if (!sasl) return undefined;
  const password = resolveSecret(sasl.password, 'kafka.sasl.password');
  return { mechanism: sasl.mechanism, username: sasl.username, password } as SASLOptions;
}

/** Routes kafkajs' own log lines into pino at matching levels. */
function kafkaLogCreator(logger: Logger) {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      if (level <= logLevel.ERROR) child.error(extra, message);
      else if (level === logLevel.WARN) child.warn(extra, message);
      else if (level === logLevel.INFO) child.debug(extra, message);
    };
}

export function createKafka(config: WardenConfig, logger: Logger, clientIdSuffix = ''): Kafka {
  const kafkaConfig: KafkaConfig = {
    clientId: `${config.kafka.clientId}${clientIdSuffix}`,
    brokers: [...config.kafka.brokers],
    ssl: tlsOptions(config.kafka.tls) || undefined,
    sasl: saslOptions(config.kafka),
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  };
  return new Kafka(kafkaConfig);
}
