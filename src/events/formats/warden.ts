/** The native format (`--format warden`): validated against the schema of WardenEvent. */
import { z } from 'zod';
import type { WardenEvent } from '../event.js';
import { toIsoTime } from '../time.js';
import type { FormatContext, Sink } from '../types.js';
import type { JsonObject } from '../json.js';

const identityTypes = ['service_account', 'role', 'user', 'bot', 'app', 'token', 'service', 'workload', 'database_user', 'unknown'] as const;

/** zod schema of the native event; `raw` and `attributes` are free-form. */
export const wardenEventSchema = z.strictObject({
  id: z.string().min(1),
  time: z.string().min(1),
  identity: z.strictObject({
    id: z.string().min(1),
    type: z.enum(identityTypes).optional(),
    tokenId: z.string().optional(),
    sessionId: z.string().optional(),
    delegationChain: z.array(z.string()).optional(),
  }),
  action: z.string().min(1),
  resource: z.string().optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  source: z
    .strictObject({
      ip: z.string().optional(),
      userAgent: z.string().optional(),
      region: z.string().optional(),
      workload: z.string().optional(),
      asn: z.string().optional(),
      country: z.string().optional(),
    })
    .optional(),
  environment: z.string().optional(),
  privileged: z.boolean().optional(),
  bytes: z.number().nonnegative().nullable().optional(),
  rows: z.number().nonnegative().nullable().optional(),
  readOnly: z.boolean().optional(),
  sourceFormat: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  raw: z.unknown().optional(),
});

export function looksLikeWarden(v: JsonObject): boolean {
  return typeof v.id === 'string' && typeof v.action === 'string' && typeof v.identity === 'object' && v.identity !== null && v.time !== undefined;
}

export function normalizeWarden(v: JsonObject, _ctx: FormatContext, sink: Sink): void {
  const identity = v.identity;
  if (typeof identity !== 'object' || identity === null || typeof (identity as JsonObject).id !== 'string' || (identity as JsonObject).id === '') {
    return sink.reject('MISSING_IDENTITY', 'native event has no identity.id', v);
  }
  if (typeof v.action !== 'string' || v.action === '') return sink.reject('MISSING_ACTION', 'native event has no action', v);
  if (v.time === undefined || v.time === null || v.time === '') return sink.reject('MISSING_TIME', 'native event has no time', v);
  const parsed = wardenEventSchema.safeParse(v);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return sink.reject('INVALID_EVENT', `native event invalid: ${message}`, v);
  }
  const time = toIsoTime(parsed.data.time);
  if (!time) return sink.reject('BAD_TIMESTAMP', `native event time ${JSON.stringify(parsed.data.time)} is not a valid time`, v);
  const event: WardenEvent = { ...parsed.data, time };
  sink.event(event, v);
}
