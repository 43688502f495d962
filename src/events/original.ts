/**
 * The parsed original record an event was normalized from (a CloudTrail record, a Kubernetes audit
 * event…), for detections written against the source's own field names (Sigma rules, see
 * docs/sigma.md). Held by reference under a non-enumerable symbol key: nothing serializes it (not
 * the decision, not the profile, not `--out`: JSON.stringify and structuredClone skip it), test
 * equality ignores it, and a copy of the event does not carry it. A WeakMap beside the events was
 * measured first and cost a fifth of normalize throughput (one ephemeron per event); this costs
 * one property definition, a few percent of normalizing, paid only where Sigma rules may read it
 * (`NormalizerOptions.keepOriginal`; BENCHMARKS.md, "Sigma").
 */
import type { WardenEvent } from './event.js';
import type { JsonObject } from './json.js';
import { isObject } from './json.js';

const ORIGINAL = Symbol('warden.originalRecord');

type WithOriginal = WardenEvent & { [ORIGINAL]?: JsonObject };

/** Remembers `record` as the original of `event` (the normalizers' sink calls it). */
export function keepOriginalRecord(event: WardenEvent, record: unknown): void {
  if (isObject(record)) Object.defineProperty(event, ORIGINAL, { value: record, enumerable: false, writable: false, configurable: true });
}

/**
 * The record `event` was normalized from in this process, else the one a producer kept in the
 * event's `raw` field (`events.keepRaw`), else undefined (a native event that never had another
 * form).
 */
export function originalRecordOf(event: WardenEvent): JsonObject | undefined {
  return (event as WithOriginal)[ORIGINAL] ?? (isObject(event.raw) ? event.raw : undefined);
}
