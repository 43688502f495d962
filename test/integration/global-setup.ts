/**
 * Integration tests run against the real Kafka broker and the real Redis. `npm run
 * test:integration` brings them up first (scripts/services.mjs); this check makes a missing
 * service fail the run loudly instead of skipping tests.
 */
import { kafkaBrokers, redisUrl, tcpAnswers as answers } from './helpers/services.js';

export default async function setup(): Promise<void> {
  const [broker] = kafkaBrokers();
  const [host = '127.0.0.1', port = '9092'] = (broker ?? '127.0.0.1:9092').split(':');
  const redis = new URL(redisUrl());
  const missing: string[] = [];
  if (!(await answers(host, Number(port)))) missing.push(`Kafka at ${host}:${port}`);
  if (!(await answers(redis.hostname, Number(redis.port || 6379)))) missing.push(`Redis at ${redis.host}`);
  if (missing.length > 0) {
    throw new Error(`integration tests need ${missing.join(' and ')}: run \`npm run services:up\` (or set WARDEN_KAFKA_BROKERS / WARDEN_REDIS_URL)`);
  }
}
