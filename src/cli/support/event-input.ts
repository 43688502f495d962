/**
 * Event input for the identity and policy commands: any supported audit format, and a check that
 * an inline JSON value (`warden explain --event`) is a usable native event.
 */
import { existsSync } from 'node:fs';
import { readEvents as readAnyEvents } from '../../pipeline/read-events.js';
import { WardenError } from '../../errors.js';
import type { WardenEvent } from '../../events/event.js';
import { parseNativeEvent } from '../../events/native.js';

export interface BadLine {
  line: number;
  message: string;
}

/** An inline JSON value as a native event (the same rules as `--format warden`), or why not. */
export function toEvent(value: unknown): WardenEvent | string {
  const parsed = parseNativeEvent(value);
  return parsed.ok ? parsed.event : `${parsed.reason}: ${parsed.message}`;
}

/**
 * Yields events from a file of audit records in any supported format (plain or gzip, `-` for
 * stdin) through the shared reader and normalizers; records that cannot be read go to `onBad`
 * with their line and reason.
 */
export async function* readEvents(file: string, onBad: (bad: BadLine) => void, format = 'auto'): AsyncGenerator<WardenEvent> {
  if (file !== '-' && !existsSync(file)) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `input file not found: ${file}`);
  yield* readAnyEvents(file, format, undefined, (r) => onBad({ line: r.origin.line ?? 0, message: `${r.reason}: ${r.message}` }));
}
