/**
 * Where findings go: the findings topic (key = identity, headers name the class and verdict) and/or
 * a rotating NDJSON file. `write` resolves once every sink has the batch.
 */
import type { Producer } from 'kafkajs';
import type { Decision } from '../decisions/decision.js';
import { decisionToFinding } from './convert.js';
import type { ConvertOptions } from './convert.js';
import { RotatingNdjsonFile } from './file-sink.js';
import type { RotatingFileOptions } from './file-sink.js';

export interface FindingsSinkOptions {
  convert: ConvertOptions;
  /** The findings topic and the producer to write it with; null writes no topic. */
  topic: { name: string; producer: Producer } | null;
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
      topic
        ? topic.producer
            .send({
              topic: topic.name,
              acks: -1,
              messages: findings.map((f) => ({ key: f.identity, value: f.json, headers: { 'ocsf-class-uid': '2004', 'warden-verdict': f.verdict } })),
            })
            .then(() => onWritten?.('topic', findings.length))
        : undefined,
      this.file?.append(findings.map((f) => f.json)).then(() => onWritten?.('file', findings.length)),
    ]);
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}
