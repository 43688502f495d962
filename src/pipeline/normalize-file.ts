/** Normalizes every record of a file: the engine of `warden normalize`, shared with replay tooling. */
import type { WardenEvent } from '../events/event.js';
import type { Normalizer, Reject } from '../events/index.js';
import { readRecords } from './file-source.js';
import type { ReadRecordsOptions } from './file-source.js';

export interface NormalizeSummary {
  records: number;
  events: number;
  rejects: number;
  skipped: number;
  eventsByFormat: Record<string, number>;
  rejectsByReason: Record<string, number>;
}

export interface NormalizeFileOptions extends ReadRecordsOptions {
  onEvent: (event: WardenEvent) => Promise<void> | undefined | void;
  onReject: (reject: Reject) => Promise<void> | undefined | void;
  /** Called after each record with the running summary (progress display). */
  onRecord?: (summary: NormalizeSummary) => void;
}

export function emptySummary(): NormalizeSummary {
  return { records: 0, events: 0, rejects: 0, skipped: 0, eventsByFormat: {}, rejectsByReason: {} };
}

export async function normalizeFile(path: string, normalize: Normalizer, options: NormalizeFileOptions): Promise<NormalizeSummary> {
  const summary = emptySummary();
  for await (const { record, origin } of readRecords(path, options)) {
    const result = normalize(record, origin);
    summary.records++;
    summary.skipped += result.skipped ?? 0;
    for (const event of result.events) {
      summary.events++;
      const format = event.sourceFormat ?? 'unknown';
      summary.eventsByFormat[format] = (summary.eventsByFormat[format] ?? 0) + 1;
      const pending = options.onEvent(event);
      if (pending) await pending;
    }
    for (const reject of result.rejects) {
      summary.rejects++;
      summary.rejectsByReason[reject.reason] = (summary.rejectsByReason[reject.reason] ?? 0) + 1;
      const pending = options.onReject(reject);
      if (pending) await pending;
    }
    options.onRecord?.(summary);
  }
  return summary;
}
