/**
 * Reading training input: NDJSON of native WardenEvents, and optionally a labels file whose attack
 * events are dropped so the model learns benign behaviour only. Bad lines fail the run with
 * file:line — a model silently trained on half a file is worse than no model.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { WardenError } from '../errors.js';
import type { WardenEvent } from '../events/event.js';

async function* lines(file: string): AsyncGenerator<{ text: string; line: number }> {
  try {
    await access(file);
  } catch (cause) {
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${file}`, { cause });
  }
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    line++;
    if (text.trim() !== '') yield { text, line };
  }
}

function parseLine(file: string, line: number, text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new WardenError('WARDEN_EVENT_INVALID', `${file}:${line}: not a JSON object`);
}

function asEvent(file: string, line: number, o: Record<string, unknown>): WardenEvent {
  const identity = o.identity as { id?: unknown } | undefined;
  const missing = [
    typeof o.id !== 'string' && 'id',
    (typeof o.time !== 'string' || !Number.isFinite(Date.parse(o.time))) && 'time (RFC 3339)',
    (typeof identity !== 'object' || identity === null || typeof identity.id !== 'string') && 'identity.id',
    typeof o.action !== 'string' && 'action',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new WardenError('WARDEN_EVENT_INVALID', `${file}:${line}: not a native Warden event, missing or invalid ${missing.join(', ')}`);
  }
  return o as unknown as WardenEvent;
}

/** Reads every event of an NDJSON file of native WardenEvents. */
export async function readEvents(file: string, onProgress?: (count: number) => void): Promise<WardenEvent[]> {
  const events: WardenEvent[] = [];
  for await (const { text, line } of lines(file)) {
    events.push(asEvent(file, line, parseLine(file, line, text)));
    if (onProgress && events.length % 50_000 === 0) onProgress(events.length);
  }
  return events;
}

/**
 * Whether a label record marks an attack. Accepts the simulator's shape and common variants:
 * `{eventId|id, attack: kind|null}`, `{…, malicious: bool}`, `{…, label: "benign"|kind}`, `{…, kind}`.
 */
export function isAttackLabel(o: Record<string, unknown>): boolean {
  if (typeof o.malicious === 'boolean') return o.malicious;
  for (const key of ['attack', 'label', 'kind', 'scenario']) {
    const v = o[key];
    if (v === undefined) continue;
    if (v === null || v === false || v === '') return false;
    if (typeof v === 'string') return !['benign', 'normal', 'none'].includes(v.toLowerCase());
    return true;
  }
  return false;
}

/** Ids of the events a labels file marks as attacks. */
export async function readAttackIds(file: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const { text, line } of lines(file)) {
    const o = parseLine(file, line, text);
    const id = typeof o.eventId === 'string' ? o.eventId : typeof o.id === 'string' ? o.id : null;
    if (id === null) throw new WardenError('WARDEN_USAGE', `${file}:${line}: a label needs eventId (or id)`);
    if (isAttackLabel(o)) ids.add(id);
  }
  return ids;
}
