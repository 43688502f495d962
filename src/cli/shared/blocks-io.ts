/** What the block commands share: keys from the config, the operator's name, publishing one record. */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { WardenError } from '../../errors.js';
import type { WardenConfig } from '../../config/schema.js';
import { createSigner } from '../../decisions/signing.js';
import type { BlockRecord } from '../../decisions/block-record.js';
import { createKafka } from '../../pipeline/kafka-client.js';
import { publishBlockRecords } from '../../enforcer/operator-records.js';
import type { Logger } from '../../observability/logger.js';
import { createProducer } from '../../pipeline/safe-producer.js';

export function readKeyFile(file: string, what: 'public' | 'private'): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    const hint = what === 'private' ? ' (create one with `warden keys generate`)' : '';
    throw new WardenError('WARDEN_KEY_INVALID', `cannot read ${what} key ${file}${hint}`, { cause });
  }
}

export function publicKeysFrom(config: WardenConfig, files?: string[]): string[] {
  return (files && files.length > 0 ? files : [config.signing.publicKeyFile]).map((f) => readKeyFile(f, 'public'));
}

/** `--operator`, else WARDEN_OPERATOR, else the OS user: recorded as `operator:<name>` on the record. */
export function operatorName(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.WARDEN_OPERATOR) return process.env.WARDEN_OPERATOR;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function publishSigned(config: WardenConfig, logger: Logger, record: BlockRecord, privateKeyFile?: string): Promise<BlockRecord> {
  const signer = createSigner(readKeyFile(privateKeyFile ?? config.signing.privateKeyFile, 'private'));
  const producer = createProducer(createKafka(config, logger, '-operator'), { allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 }, { logger });
  await producer.connect();
  try {
    const [signed] = await publishBlockRecords(producer, config.kafka.topics.blocks, signer, [record]);
    if (!signed) throw new WardenError('WARDEN_KAFKA_UNAVAILABLE', 'the block record was not published');
    return signed;
  } finally {
    await producer.disconnect();
  }
}
