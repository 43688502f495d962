/**
 * Reads native NDJSON WardenEvents (one JSON object a line). A line that is not a usable event is
 * reported with its line number, never silently skipped. The lead swaps in the shared
 * reader/normalizers at merge.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WardenError } from '../../errors.js';
import type { WardenEvent } from '../../events/event.js';

export interface BadLine {
  line: number;
  message: string;
}

export function toEvent(value: unknown): WardenEvent | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const e = value as Partial<WardenEvent>;
  if (typeof e.id !== 'string' || e.id === '') return 'missing id';
  if (typeof e.time !== 'string' || Number.isNaN(Date.parse(e.time))) return 'missing or invalid time';
  if (typeof e.identity?.id !== 'string' || e.identity.id === '') return 'missing identity.id';
  if (typeof e.action !== 'string' || e.action === '') return 'missing action';
  return value as WardenEvent;
}

/** Yields events from an NDJSON file; bad lines go to `onBad`. */
export async function* readEvents(file: string, onBad: (bad: BadLine) => void): AsyncGenerator<WardenEvent> {
  if (!existsSync(file)) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `input file not found: ${file}`);
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      onBad({ line: n, message: `not JSON: ${(err as Error).message}` });
      continue;
    }
    const event = toEvent(parsed);
    if (typeof event === 'string') onBad({ line: n, message: event });
    else yield event;
  }
}
