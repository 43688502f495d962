/**
 * The on-disk model: `meta.json` (schema, summary, thresholds) + `weights.json` (dense layers as
 * base64 little-endian float32). Both are validated with zod on load; the weights file's SHA-256
 * is recorded in meta so a half-copied or mixed-up pair is refused, not served.
 */
import { z } from 'zod';

export const META_FORMAT = 'warden-model/1';
export const WEIGHTS_FORMAT = 'warden-ae-weights/1';
export const META_FILE = 'meta.json';
export const WEIGHTS_FILE = 'weights.json';

const tensorSchema = z.strictObject({
  shape: z.array(z.number().int().positive()).min(1).max(2),
  /** base64 of little-endian float32 values, row-major. */
  data: z.string(),
});

export const layerSchema = z.strictObject({
  activation: z.enum(['relu', 'linear']),
  kernel: tensorSchema,
  bias: tensorSchema,
});

export const weightsSchema = z.strictObject({
  format: z.literal(WEIGHTS_FORMAT),
  layers: z.array(layerSchema).min(1),
});

export type WeightsFile = z.output<typeof weightsSchema>;

const distributionSchema = z.strictObject({
  count: z.number().int().nonnegative(),
  errors: z.array(z.number().nonnegative()),
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  p999: z.number().nonnegative(),
});

export const metaSchema = z.strictObject({
  format: z.literal(META_FORMAT),
  /** `ae-<yyyymmdd of the newest training event>-<first 8 hex of the weights' SHA-256>`. */
  version: z.string().regex(/^ae-\d{8}-[0-9a-f]{8}$/),
  featureSchema: z.strictObject({
    version: z.number().int().positive(),
    dimension: z.number().int().positive(),
    fingerprint: z.string(),
    groups: z.array(z.strictObject({ name: z.string(), kind: z.enum(['hashed', 'numeric']), offset: z.number().int(), size: z.number().int() })),
  }),
  architecture: z.array(z.number().int().positive()).min(2),
  weightsFile: z.string(),
  weightsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  training: z.strictObject({
    input: z.string(),
    events: z.number().int().nonnegative(),
    droppedAttackEvents: z.number().int().nonnegative(),
    identities: z.number().int().nonnegative(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    trainRows: z.number().int().nonnegative(),
    validationRows: z.number().int().nonnegative(),
    epochs: z.number().int().nonnegative(),
    bestEpoch: z.number().int().nonnegative(),
    trainLoss: z.number(),
    validationLoss: z.number(),
    seed: z.number().int(),
    batchSize: z.number().int().positive(),
    backend: z.string(),
    classBy: z.string(),
    classes: z.record(z.string(), z.number().int().nonnegative()),
  }),
  /** Percentile grid the distributions are tabulated on (see percentiles.ts). */
  percentileLevels: z.array(z.number()),
  thresholds: z.strictObject({
    global: distributionSchema,
    classes: z.record(z.string(), distributionSchema),
  }),
});

export type ModelMeta = z.output<typeof metaSchema>;

export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** Decodes base64 float32; null when the byte length is not a whole number of floats. */
export function decodeFloat32(data: string): Float32Array | null {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.byteLength % 4 !== 0) return null;
  // Copy into an aligned buffer: Buffer slices may start at any offset.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
