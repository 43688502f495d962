/**
 * The native format (`--format warden`): read by parseNativeEvent (../native.ts), the one
 * definition of a valid native event, shared with `warden explain --event` and the benchmarks.
 */
import { z } from 'zod';
import type { WardenEvent } from '../event.js';
import { parseNativeEvent } from '../native.js';
import type { FormatContext, Sink } from '../types.js';
import type { JsonObject } from '../json.js';

/**
 * zod schema of the native event for library users: the same rules as the normalizer (it calls
 * parseNativeEvent), so a value that parses here is exactly what `--format warden` decides on.
 */
export const wardenEventSchema: z.ZodType<WardenEvent, unknown> = z.unknown().transform((value, ctx) => {
  const parsed = parseNativeEvent(value);
  if (parsed.ok) return parsed.event;
  ctx.addIssue({ code: 'custom', message: `${parsed.reason}: ${parsed.message}` });
  return z.NEVER;
});

export function looksLikeWarden(v: JsonObject): boolean {
  return typeof v.id === 'string' && typeof v.action === 'string' && typeof v.identity === 'object' && v.identity !== null && v.time !== undefined;
}

export function normalizeWarden(v: JsonObject, _ctx: FormatContext, sink: Sink): void {
  const parsed = parseNativeEvent(v);
  if (parsed.ok) sink.event(parsed.event, v);
  else sink.reject(parsed.reason, parsed.message, v);
}
