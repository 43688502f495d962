/**
 * From benign events to a model artifact: features (the same extractor as inference), training,
 * then the benign reconstruction-error distributions per identity class, computed through the
 * very scorer inference uses, so thresholds and live scores are on the same scale.
 */
import { createHash } from 'node:crypto';
import type { WardenEvent } from '../events/event.js';
import { META_FORMAT, WEIGHTS_FILE, WEIGHTS_FORMAT, encodeFloat32 } from './artifact.js';
import type { ModelMeta, WeightsFile } from './artifact.js';
import { FeatureExtractor } from './extractor.js';
import { FEATURE_DIMENSION, FEATURE_LAYOUT, FEATURE_SCHEMA_FINGERPRINT, FEATURE_SCHEMA_VERSION } from './feature-schema.js';
import { PERCENTILE_LEVELS, errorDistribution } from './percentiles.js';
import type { ErrorDistribution } from './percentiles.js';
import { ModelScorer } from './scorer.js';
import { trainAutoencoder } from './train.js';
import type { TrainOptions } from './train.js';
import * as tf from '@tensorflow/tfjs';

export interface BuildModelInput {
  /** Benign events; sorted by event time here (stable), as the context tracker needs. */
  events: WardenEvent[];
  /** Name of the input, recorded in meta.json. */
  input: string;
  droppedAttackEvents?: number;
  /** Identity class of an event for per-class thresholds; by default its identity type. */
  classOf?: (event: WardenEvent) => string | null;
  /** How classes were derived, recorded in meta.json. @defaultValue 'identity.type' */
  classBy?: string;
}

export interface BuildModelOptions extends TrainOptions {
  /** Rows a class needs for its own distribution; smaller classes use the global one. @defaultValue 500 */
  minClassRows?: number;
}

export interface ModelArtifact {
  meta: ModelMeta;
  weights: WeightsFile;
  /** The exact text of weights.json (meta records its SHA-256). */
  weightsText: string;
}

const byType = (e: WardenEvent): string | null => e.identity.type ?? null;

function yyyymmdd(iso: string | null): string {
  const d = iso ? new Date(iso) : new Date(0);
  return Number.isNaN(d.getTime()) ? '19700101' : d.toISOString().slice(0, 10).replaceAll('-', '');
}

export async function buildModel(input: BuildModelInput, options: BuildModelOptions = {}): Promise<ModelArtifact> {
  const events = input.events
    .map((e, i) => ({ e, i, t: Date.parse(e.time) }))
    .sort((a, b) => (a.t - b.t) || (a.i - b.i))
    .map((x) => x.e);
  const rows = events.length;
  const features = new FeatureExtractor({ maxIdentities: Number.MAX_SAFE_INTEGER }).extract(events);
  const classOf = input.classOf ?? byType;
  const classes = events.map(classOf);

  const trained = await trainAutoencoder(features, rows, FEATURE_DIMENSION, options);
  const weights: WeightsFile = {
    format: WEIGHTS_FORMAT,
    layers: trained.layers.map((l) => ({
      activation: l.activation,
      kernel: { shape: [l.inputs, l.units], data: encodeFloat32(l.kernel) },
      bias: { shape: [l.units], data: encodeFloat32(l.bias) },
    })),
  };
  const weightsText = `${JSON.stringify(weights)}\n`;
  const sha = createHash('sha256').update(weightsText).digest('hex');
  const from = events[0]?.time ?? null;
  const to = events[rows - 1]?.time ?? null;
  const classCounts: Record<string, number> = {};
  for (const c of classes) if (c !== null) classCounts[c] = (classCounts[c] ?? 0) + 1;

  const empty: ErrorDistribution = { count: 0, errors: PERCENTILE_LEVELS.map(() => 0), p50: 0, p90: 0, p99: 0, p999: 0 };
  const meta: ModelMeta = {
    format: META_FORMAT,
    version: `ae-${yyyymmdd(to)}-${sha.slice(0, 8)}`,
    featureSchema: { version: FEATURE_SCHEMA_VERSION, dimension: FEATURE_DIMENSION, fingerprint: FEATURE_SCHEMA_FINGERPRINT, groups: FEATURE_LAYOUT.map((g) => ({ ...g })) },
    architecture: trained.architecture,
    weightsFile: WEIGHTS_FILE,
    weightsSha256: sha,
    training: {
      input: input.input,
      events: rows,
      droppedAttackEvents: input.droppedAttackEvents ?? 0,
      identities: new Set(events.map((e) => e.identity.id)).size,
      from,
      to,
      trainRows: trained.trainRows,
      validationRows: trained.validationRows,
      epochs: trained.epochs,
      bestEpoch: trained.bestEpoch,
      trainLoss: trained.trainLoss,
      validationLoss: trained.validationLoss,
      seed: options.seed ?? 1,
      batchSize: options.batchSize ?? 256,
      backend: tf.getBackend(),
      classBy: input.classBy ?? 'identity.type',
      classes: classCounts,
    },
    percentileLevels: [...PERCENTILE_LEVELS],
    thresholds: { global: empty, classes: {} },
  };

  // Benign errors of every row, through the inference path itself.
  const scorer = new ModelScorer(meta, trained.layers);
  const errors = new Float32Array(rows);
  const chunk = 8192;
  try {
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      const r = scorer.scoreBatch(features.subarray(start * FEATURE_DIMENSION, (start + n) * FEATURE_DIMENSION), n, new Array<null>(n).fill(null));
      errors.set(r.error, start);
    }
  } finally {
    scorer.dispose();
  }
  meta.thresholds.global = errorDistribution(errors);
  const minClassRows = options.minClassRows ?? 500;
  for (const [cls, count] of Object.entries(classCounts)) {
    if (count < minClassRows) continue;
    const own = new Float32Array(count);
    let k = 0;
    for (let i = 0; i < rows; i++) if (classes[i] === cls) own[k++] = errors[i] as number;
    meta.thresholds.classes[cls] = errorDistribution(own);
  }
  return { meta, weights, weightsText };
}
