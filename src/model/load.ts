/**
 * Loading a model directory: every check that can fail happens here, before a scorer exists, so a
 * corrupt, truncated or mismatched model is refused with WARDEN_MODEL_INVALID and a message that
 * says which file and what is wrong, and never half-replaces a serving one.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { WardenError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { META_FILE, decodeFloat32, metaSchema, weightsSchema } from './artifact.js';
import type { ModelMeta } from './artifact.js';
import { selectBackend } from './backend.js';
import { FEATURE_DIMENSION, FEATURE_LAYOUT, FEATURE_SCHEMA_FINGERPRINT, FEATURE_SCHEMA_VERSION } from './feature-schema.js';
import { PERCENTILE_LEVELS } from './percentiles.js';
import { ModelScorer } from './scorer.js';
import type { DenseLayer } from './scorer.js';

function invalid(dir: string, message: string, cause?: unknown): WardenError {
  return new WardenError('WARDEN_MODEL_INVALID', `model ${dir}: ${message}`, { cause });
}

async function readText(dir: string, file: string): Promise<string> {
  try {
    return await readFile(join(dir, file), 'utf8');
  } catch (err) {
    throw invalid(dir, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, err);
  }
}

function parseJson(dir: string, file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalid(dir, `${file} is not valid JSON (${(err as Error).message})`, err);
  }
}

function zodMessage(file: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${file} ${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function checkSchema(dir: string, meta: ModelMeta): void {
  const fs = meta.featureSchema;
  if (fs.version !== FEATURE_SCHEMA_VERSION || fs.dimension !== FEATURE_DIMENSION || fs.fingerprint !== FEATURE_SCHEMA_FINGERPRINT) {
    throw invalid(
      dir,
      `trained with feature schema ${fs.fingerprint} (version ${fs.version}, ${fs.dimension} features) but this Warden extracts ${FEATURE_SCHEMA_FINGERPRINT}; retrain it with \`warden train\``,
    );
  }
  const sameGroups = fs.groups.length === FEATURE_LAYOUT.length && fs.groups.every((g, i) => {
    const l = FEATURE_LAYOUT[i];
    return l !== undefined && l.name === g.name && l.offset === g.offset && l.size === g.size && l.kind === g.kind;
  });
  if (!sameGroups) throw invalid(dir, 'feature groups in meta.json do not match this Warden\'s feature schema');
  const arch = meta.architecture;
  if (arch[0] !== FEATURE_DIMENSION || arch[arch.length - 1] !== FEATURE_DIMENSION) {
    throw invalid(dir, `architecture ${arch.join('-')} must start and end with the feature dimension ${FEATURE_DIMENSION}`);
  }
  if (meta.percentileLevels.length !== PERCENTILE_LEVELS.length || meta.percentileLevels.some((l, i) => l !== PERCENTILE_LEVELS[i])) {
    throw invalid(dir, 'percentile levels in meta.json differ from this Warden\'s; retrain it');
  }
  const dists = [['global', meta.thresholds.global] as const, ...Object.entries(meta.thresholds.classes)];
  for (const [name, d] of dists) {
    const ordered = d.errors.every((e, i) => i === 0 || e >= (d.errors[i - 1] as number));
    if (d.errors.length !== PERCENTILE_LEVELS.length || !ordered) throw invalid(dir, `error distribution of ${name} is malformed`);
  }
}

export interface LoadModelOptions {
  logger?: Logger;
}

/** Loads and validates `dir/meta.json` + its weights; throws WARDEN_MODEL_INVALID on any problem. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<ModelScorer> {
  const parsedMeta = metaSchema.safeParse(parseJson(dir, META_FILE, await readText(dir, META_FILE)));
  if (!parsedMeta.success) throw invalid(dir, zodMessage(META_FILE, parsedMeta.error));
  const meta = parsedMeta.data;
  checkSchema(dir, meta);

  // Checked before parsing: a torn or swapped weights file gets the message that explains it.
  const weightsText = await readText(dir, meta.weightsFile);
  const sha = createHash('sha256').update(weightsText).digest('hex');
  if (sha !== meta.weightsSha256) {
    throw invalid(dir, `${meta.weightsFile} does not match meta.json (sha256 ${sha.slice(0, 12)}… ≠ ${meta.weightsSha256.slice(0, 12)}…): corrupt, or copied from another model`);
  }
  const parsedWeights = weightsSchema.safeParse(parseJson(dir, meta.weightsFile, weightsText));
  if (!parsedWeights.success) throw invalid(dir, zodMessage(meta.weightsFile, parsedWeights.error));
  const arch = meta.architecture;
  const raw = parsedWeights.data.layers;
  if (raw.length !== arch.length - 1) throw invalid(dir, `${meta.weightsFile} has ${raw.length} layers, architecture ${arch.join('-')} needs ${arch.length - 1}`);

  const layers: DenseLayer[] = raw.map((layer, i) => {
    const inputs = arch[i] as number;
    const units = arch[i + 1] as number;
    const [kr, kc] = layer.kernel.shape;
    if (kr !== inputs || kc !== units || layer.bias.shape.length !== 1 || layer.bias.shape[0] !== units) {
      throw invalid(dir, `layer ${i}: kernel ${layer.kernel.shape.join('x')} / bias ${layer.bias.shape.join('x')}, expected ${inputs}x${units} / ${units}`);
    }
    const kernel = decodeFloat32(layer.kernel.data);
    const bias = decodeFloat32(layer.bias.data);
    if (!kernel || kernel.length !== inputs * units || !bias || bias.length !== units) {
      throw invalid(dir, `layer ${i}: weight data length does not match its shape`);
    }
    if (!kernel.every(Number.isFinite) || !bias.every(Number.isFinite)) throw invalid(dir, `layer ${i}: weights contain NaN or Infinity`);
    return { activation: layer.activation, inputs, units, kernel, bias };
  });
  if (layers[layers.length - 1]?.activation !== 'linear') throw invalid(dir, 'the output layer must be linear');

  await selectBackend(options.logger ? { logger: options.logger } : {});
  return new ModelScorer(meta, layers);
}
