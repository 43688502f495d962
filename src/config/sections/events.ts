import { z } from 'zod';

export const eventsSchema = z.strictObject({
  /** Records larger than this are rejected (`TOO_LARGE`). @defaultValue 1 MiB */
  maxRecordBytes: z.number().int().positive().default(1024 * 1024),
  /** JSON nesting deeper than this is rejected (`TOO_DEEP`). */
  maxDepth: z.number().int().positive().default(64),
  /** Keep the original record under `raw` in normalized events. */
  keepRaw: z.boolean().default(false),
});
