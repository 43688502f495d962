/**
 * Events from a file (or stdin) in any supported format: the shared streaming reader plus the
 * normalizers. Rejects are handed to `onReject` (never dropped); replay, train and the identity
 * report read their input through this.
 */
import type { WardenConfig } from '../config/schema.js';
import { WardenError } from '../errors.js';
import { createNormalizer } from '../events/index.js';
import type { Reject } from '../events/index.js';
import type { WardenEvent } from '../events/event.js';
import { readRecords } from './file-source.js';
import type { ReadRecordsOptions } from './file-source.js';

export type ReadEventsOptions = Pick<ReadRecordsOptions, 'onTruncated' | 'onBytes' | 'stdin'>;

export async function* readEvents(path: string, format: string, events: WardenConfig['events'] | undefined, onReject: (reject: Reject) => void, options: ReadEventsOptions = {}): AsyncGenerator<WardenEvent> {
  const normalize = createNormalizer({ format, ...(events ? { events } : {}) });
  for await (const { record, origin } of readRecords(path, options)) {
    const result = normalize(record, origin);
    for (const reject of result.rejects) onReject(reject);
    yield* result.events;
  }
}

const SAMPLES = 20;

/**
 * Notices when a format forced with `--format` rejects every record, and asks auto-detection what
 * the records are: feed it the events and rejects of a run, then call `error()` at the end.
 */
export class ForcedFormatCheck {
  private events = 0;
  private rejects = 0;
  private readonly samples: Reject[] = [];

  constructor(
    private readonly format: string,
    private readonly config: WardenConfig['events'] | undefined,
  ) {}

  event(): void {
    this.events++;
  }

  reject(reject: Reject): void {
    this.rejects++;
    if (this.events === 0 && this.samples.length < SAMPLES) this.samples.push(reject);
  }

  /** What auto-detection reads the sampled rejected records as: format → records. */
  detected(): Map<string, number> {
    const auto = createNormalizer({ format: 'auto', ...(this.config ? { events: this.config } : {}) });
    const counts = new Map<string, number>();
    for (const r of this.samples) {
      if (r.raw.startsWith('base64:')) continue;
      const found = auto(r.raw, r.origin).events[0]?.sourceFormat;
      if (found) counts.set(found, (counts.get(found) ?? 0) + 1);
    }
    return counts;
  }

  /** WARDEN_INPUT_REJECTED when the forced format accepted nothing, else undefined. */
  error(): WardenError | undefined {
    if (this.format === 'auto' || this.events > 0 || this.rejects === 0) return undefined;
    const best = [...this.detected()].sort((a, b) => b[1] - a[1])[0];
    const all = `all ${this.rejects} records were rejected as ${this.format}`;
    if (best && best[0] !== this.format) {
      return new WardenError('WARDEN_INPUT_REJECTED', `${all}; auto-detection reads them as ${best[0]} (${best[1]} of the first ${this.samples.length})`, {
        hint: `try --format auto (or --format ${best[0]})`,
      });
    }
    return new WardenError('WARDEN_INPUT_REJECTED', `${all}, and auto-detection recognises none of the first ${this.samples.length} either`, {
      hint: 'see the rejects for the reason of each record; docs/formats.md lists the formats Warden reads',
    });
  }
}
