/**
 * Where findings go: the findings topic (key = identity, headers name the class and verdict) and/or
 * a rotating NDJSON file. `write` resolves once every sink has the batch.
 */
import type { Message, Producer } from 'kafkajs';
import { splitRequests } from '../pipeline/produce-requests.js';
import type { Decision } from '../decisions/decision.js';
import { decisionToFinding } from './convert.js';
import type { ConvertOptions } from './convert.js';
import { RotatingNdjsonFile } from './file-sink.js';
import type { RotatingFileOptions } from './file-sink.js';

export interface FindingsSinkOptions {
  convert: ConvertOptions;
  /** The findings topic, the producer to write it with and its request size bound; null writes no topic. */
  topic: { name: string; producer: Producer; maxProduceBytes: number } | null;
  file: RotatingFileOptions | null;
  /** Called with each sink's count after a batch is written. */
  onWritten?: (sink: 'topic' | 'file', count: number) => void;
}

export class FindingsSink {
  private readonly file: RotatingNdjsonFile | null;

  constructor(private readonly options: FindingsSinkOptions) {
    this.file = options.file ? new RotatingNdjsonFile(options.file) : null;
  }

  async write(decisions: readonly Decision[]): Promise<void> {
    const findings: Array<{ identity: string; verdict: string; json: string }> = [];
    for (const d of decisions) {
      const finding = decisionToFinding(d, this.options.convert);
      if (finding) findings.push({ identity: d.identity, verdict: d.verdict, json: JSON.stringify(finding) });
    }
    if (findings.length === 0) return;
    const { topic, onWritten } = this.options;
    await Promise.all([
      topic ? this.publish(topic, findings).then(() => onWritten?.('topic', findings.length)) : undefined,
      this.file?.append(findings.map((f) => f.json)).then(() => onWritten?.('file', findings.length)),
    ]);
  }

  /** Produce requests bounded like the pipeline's (the broker refuses a record batch above message.max.bytes). */
  private async publish(topic: { name: string; producer: Producer; maxProduceBytes: number }, findings: ReadonlyArray<{ identity: string; verdict: string; json: string }>): Promise<void> {
    const messages: Message[] = findings.map((f) => ({ key: f.identity, value: f.json, headers: { 'ocsf-class-uid': '2004', 'warden-verdict': f.verdict } }));
    for (const request of splitRequests([{ topic: topic.name, messages }], topic.maxProduceBytes)) await topic.producer.sendBatch({ topicMessages: request, acks: -1 });
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}
