/** Builds the kafkajs client from config: brokers, TLS, SASL (PLAIN / SCRAM), retries, logging. */
import { createRequire } from 'node:module';
import { connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig, LogEntry, SASLOptions } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';
import { WardenError, causeChain } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { resolveSecret, tlsOptions } from './secrets.js';
import { kafkaRetryOptions, RETRY_POLICIES } from '../retry.js';

function saslOptions(config: WardenConfig['kafka']): SASLOptions | undefined {
  const sasl = config.sasl;
  if (!sasl) return undefined;
  const password = resolveSecret(sasl.password, 'kafka.sasl.password');
  return { mechanism: sasl.mechanism, username: sasl.username, password } as SASLOptions;
}

/**
 * The messages of the protocol errors kafkajs marks retriable ("the coordinator is loading",
 * "this server does not host this topic-partition", a leader election…), from kafkajs' own table.
 */
const RETRIABLE_MESSAGES: ReadonlySet<string> = (() => {
  try {
    const table = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { errorCodes?: Array<{ retriable?: boolean; message?: string }> };
    return new Set((table.errorCodes ?? []).filter((e) => e.retriable === true && typeof e.message === 'string').map((e) => e.message as string));
  } catch {
    return new Set<string>();
  }
})();

/**
 * Routes kafkajs' own log lines into pino at matching levels, except one: kafkajs logs every error
 * response of a broker at error level, also the retriable ones it then retries (a broker loading
 * its coordinator or electing leaders while it starts). Those are warnings; if the retries run
 * out, the caller's error says so.
 */
function kafkaLogCreator(logger: Logger) {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const error: unknown = (extra as { error?: unknown }).error;
      // A consumer crash on a retriable error is followed by kafkajs restarting the consumer: both
      // lines ("Crash: <name>: <message>", "Restarting the consumer in …") are warnings too.
      const crash = /^Crash: \w+: (.*)$/s.exec(message)?.[1];
      const retriable = (typeof error === 'string' && RETRIABLE_MESSAGES.has(error)) || (crash !== undefined && RETRIABLE_MESSAGES.has(crash)) || message.startsWith('Restarting the consumer in ');
      if (level <= logLevel.ERROR && retriable) child.warn(extra, message);
      else if (level <= logLevel.ERROR) child.error(extra, message);
      else if (level === logLevel.WARN) child.warn(extra, message);
      else if (level === logLevel.INFO) child.debug(extra, message);
    };
}

/** TLS verification failures: the same certificate will fail the same way on every retry. */
const TLS_CODES = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_.*)$/;

/**
 * A Kafka error that configuration must fix (rejected SASL credentials, an untrusted broker
 * certificate) as a WARDEN_KAFKA_AUTH error naming what to check, or null for any other error.
 */
export function kafkaAuthError(err: unknown, config: WardenConfig): WardenError | null {
  const brokers = config.kafka.brokers.join(',');
  for (const e of causeChain(err)) {
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      const sasl = config.kafka.sasl;
      const who = sasl ? `user "${sasl.username}" (${sasl.mechanism})` : 'the client';
      return new WardenError('WARDEN_KAFKA_AUTH', `Kafka at ${brokers} refused the SASL credentials of ${who}: ${e.message}. Check kafka.sasl.`, { cause: err });
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODES.test(code)) {
      return new WardenError('WARDEN_KAFKA_AUTH', `TLS handshake with Kafka at ${brokers} failed: ${e.message} (${code}). Check kafka.tls (caFile, certFile, keyFile).`, { cause: err });
    }
  }
  return null;
}

/**
 * With TLS on, tries one handshake with each broker before kafkajs starts: kafkajs retries a
 * refused certificate like a lost connection (a minute and more), while the answer cannot change.
 * Throws WARDEN_KAFKA_AUTH on a certificate error; anything else (a broker not up yet) is left to
 * kafkajs's retries.
 */
export async function checkKafkaTls(config: WardenConfig, timeoutMs = 5000): Promise<void> {
  const tls = tlsOptions(config.kafka.tls);
  if (!tls) return;
  for (const broker of config.kafka.brokers) {
    const at = broker.lastIndexOf(':');
    const host = broker.slice(0, at);
    const port = Number(broker.slice(at + 1));
    const failure = await new Promise<unknown>((resolve) => {
      const socket = tlsConnect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, ...tls });
      const done = (err: unknown): void => {
        socket.destroy();
        resolve(err);
      };
      socket.setTimeout(timeoutMs, () => done(null));
      socket.once('secureConnect', () => done(null));
      socket.once('error', done);
    });
    const auth = failure ? kafkaAuthError(failure, config) : null;
    if (auth) throw auth;
  }
}

export function createKafka(config: WardenConfig, logger: Logger, clientIdSuffix = '', options: { retries?: number } = {}): Kafka {
  const kafkaConfig: KafkaConfig = {
    clientId: `${config.kafka.clientId}${clientIdSuffix}`,
    brokers: [...config.kafka.brokers],
    ssl: tlsOptions(config.kafka.tls) || undefined,
    sasl: saslOptions(config.kafka),
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry: { ...kafkaRetryOptions(RETRY_POLICIES.kafkaClient), ...(options.retries !== undefined ? { retries: options.retries } : {}) },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  };
  return new Kafka(kafkaConfig);
}
