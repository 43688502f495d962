/**
 * Helpers of the scale-out tests (recovery, kafka-cluster): a `warden run` config with a small
 * inventory, native events aimed at chosen partitions, a follower of the decisions and dead-letter
 * topics that notes when each decision arrived, and the partitions each instance holds as its own
 * log says.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Consumer, Kafka } from 'kafkajs';
import { stringify } from 'yaml';
import { decisionEntriesOf } from '../../../src/decisions/topic-records.js';
import { testKafka, uniqueName } from './services.js';
import { wardenSetup } from './warden-process.js';
import type { RunningWarden, WardenTestSetup } from './warden-process.js';

/** A setup whose inventory knows `identities` and whose policy folder is empty. */
export function setupWithInventory(identities: readonly string[], overrides: Record<string, unknown> = {}): WardenTestSetup {
  const inventory = stringify({ identities: identities.map((id) => ({ id, owner: 'team-scale', class: 'service_account', environment: 'prod' })) });
  const setup = wardenSetup(overrides, { 'identities.yaml': inventory });
  mkdirSync(join(setup.dir, 'policies'));
  const text = readFileSync(setup.configFile, 'utf8');
  writeFileSync(setup.configFile, `${text}identity:\n  inventory: ${join(setup.dir, 'identities.yaml')}\npolicy:\n  dir: ${join(setup.dir, 'policies')}\n`);
  return setup;
}

/** A native Warden event of `identity` at a time derived from `n` (so the baseline sees order). */
export function nativeEvent(id: string, identity: string, n: number): string {
  const actions = ['s3:GetObject', 's3:PutObject', 'ecr:BatchGetImage', 'sts:GetCallerIdentity'];
  return JSON.stringify({
    id,
    time: new Date(Date.UTC(2026, 10, 20, 9, 0, 0) + n * 1000).toISOString(),
    identity: { id: identity, type: 'service_account' },
    action: actions[n % actions.length],
    resource: `arn:aws:s3:::bucket-${n % 3}/object`,
    outcome: 'success',
    source: { ip: '10.1.2.3', region: 'eu-west-1' },
    environment: 'prod',
  });
}

/** Every decision and dead letter of a setup, with the wall-clock time each arrived. */
export class DecisionWatch {
  readonly decidedAt = new Map<string, number>();
  readonly decisionIds = new Map<string, Set<string>>();
  readonly deadLetters: Array<{ reason: string; origin?: { topic?: string; partition?: number; offset?: string } }> = [];
  /** Decisions read (full records and allow-batch entries), redeliveries (the same decision id published again) included. */
  decisionRecords = 0;
  private consumer: Consumer | undefined;

  async follow(setup: WardenTestSetup, kafka: Kafka = testKafka()): Promise<void> {
    // Metadata refreshed every 5 s: kafkajs' default (5 min) keeps fetching from a killed broker.
    this.consumer = kafka.consumer({ groupId: uniqueName('it-watch'), maxWaitTimeInMs: 50, metadataMaxAge: 5000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [setup.topics.decisions, setup.topics.dlq], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === setup.topics.dlq) {
          this.deadLetters.push(JSON.parse(message.value?.toString() ?? 'null') as { reason: string });
          return;
        }
        // Full records, and the plain allows of allow-batch records (one entry per event).
        for (const { record: d } of decisionEntriesOf(message.value, message.headers) ?? []) {
          this.decisionRecords++;
          if (!this.decidedAt.has(d.eventId)) this.decidedAt.set(d.eventId, Date.now());
          const ids = this.decisionIds.get(d.eventId) ?? new Set<string>();
          ids.add(d.decisionId);
          this.decisionIds.set(d.eventId, ids);
        }
      },
    });
  }

  decided(ids: Iterable<string>): boolean {
    for (const id of ids) if (!this.decidedAt.has(id)) return false;
    return true;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** The input partitions an instance holds according to its latest "joined consumer group" log line. */
export function assignedPartitions(w: RunningWarden, topic: string): number[] | null {
  for (let i = w.logs.length - 1; i >= 0; i--) {
    const line = w.logs[i] ?? '';
    if (!line.includes('joined consumer group')) continue;
    try {
      const entry = JSON.parse(line) as { assignment?: Record<string, number[]> };
      return [...(entry.assignment?.[topic] ?? [])].sort((a, b) => a - b);
    } catch {
      return null;
    }
  }
  return null;
}

export async function stopWarden(w: RunningWarden): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGTERM');
  await w.exited;
}
