/**
 * Model inference throughput: events/s through feature extraction + one fused-op scoreBatch per
 * batch on the default backend, next to the tfjs-layers `predict` path on the same weights (the
 * reference the fused path must beat) and the same fused path on the plain cpu backend.
 *
 *   npx tsx bench/model.ts [modelDir=models/default]
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { syntheticFleet } from './lib/synthetic-fleet.js';
import { fmt, table } from './lib/stats.js';
import { selectBackend } from '../src/model/backend.js';
import type { BackendName } from '../src/model/backend.js';
import { buildModel } from '../src/model/build.js';
import { FeatureExtractor } from '../src/model/extractor.js';
import { FEATURE_DIMENSION } from '../src/model/feature-schema.js';
import { loadModel } from '../src/model/load.js';
import type { ModelScorer } from '../src/model/scorer.js';
import { decodeFloat32 } from '../src/model/artifact.js';
import { writeModel } from '../src/model/write.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const dirArg = process.argv[2] ?? 'models/default';
const { events } = syntheticFleet({ seed: 42, days: 7 });
const N = Math.min(events.length, 65_536);
const sample = events.slice(0, N);
const classes = sample.map((e) => e.identity.type ?? null);

async function modelDir(): Promise<string> {
  if (existsSync(join(dirArg, 'meta.json'))) return dirArg;
  console.log(`${dirArg} has no model: training a small one for the benchmark`);
  await selectBackend();
  const art = await buildModel({ events: syntheticFleet({ seed: 1, days: 7 }).events, input: 'bench' }, { epochs: 8 });
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-model-'));
  await writeModel(dir, art);
  return dir;
}

function time(fn: () => void, minMs = 1500): number {
  fn(); // warm-up: kernels compiled, buffers allocated
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    fn();
    runs++;
  }
  return (performance.now() - start) / runs;
}

function fusedRate(scorer: ModelScorer, features: Float32Array, batch: number): number {
  const ms = time(() => {
    for (let s = 0; s + batch <= N; s += batch) scorer.scoreBatch(features.subarray(s * FEATURE_DIMENSION, (s + batch) * FEATURE_DIMENSION), batch, classes.slice(s, s + batch));
  });
  return (Math.floor(N / batch) * batch) / (ms / 1000);
}

function endToEndRate(scorer: ModelScorer, batch: number): number {
  const ms = time(() => {
    const ex = new FeatureExtractor();
    for (let s = 0; s + batch <= N; s += batch) {
      const chunk = sample.slice(s, s + batch);
      scorer.scoreBatch(ex.extract(chunk), batch, classes.slice(s, s + batch));
    }
  });
  return (Math.floor(N / batch) * batch) / (ms / 1000);
}

function predictRate(dir: string, features: Float32Array, batch: number): number {
  const w = JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8')) as { layers: { activation: string; kernel: { shape: number[]; data: string }; bias: { data: string } }[] };
  const model = tf.sequential();
  w.layers.forEach((l, i) => model.add(tf.layers.dense({ units: l.kernel.shape[1] ?? 0, activation: l.activation === 'relu' ? 'relu' : 'linear', ...(i === 0 ? { inputShape: [FEATURE_DIMENSION] } : {}) })));
  model.setWeights(w.layers.flatMap((l) => [tf.tensor2d(decodeFloat32(l.kernel.data) ?? new Float32Array(0), l.kernel.shape as [number, number]), tf.tensor1d(decodeFloat32(l.bias.data) ?? new Float32Array(0))]));
  const rows = Math.min(N, batch * 4);
  const ms = time(() => {
    for (let s = 0; s + batch <= rows; s += batch) {
      tf.tidy(() => {
        const x = tf.tensor2d(features.subarray(s * FEATURE_DIMENSION, (s + batch) * FEATURE_DIMENSION), [batch, FEATURE_DIMENSION]);
        const y = model.predict(x, { batchSize: batch }) as tf.Tensor;
        return tf.mean(tf.squaredDifference(y, x), 1).dataSync();
      });
    }
  });
  model.dispose();
  return (Math.floor(rows / batch) * batch) / (ms / 1000);
}

const dir = await modelDir();
const features = new FeatureExtractor().extract(sample);
const extractMs = time(() => new FeatureExtractor().extract(sample));
const rows: (string | number)[][] = [['backend', 'path', 'batch', 'events/s']];
rows.push(['-', 'feature extraction only', N, fmt(N / (extractMs / 1000))]);
const results: Record<string, number> = {};
for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  const used = await selectBackend({ prefer: backend });
  const scorer = await loadModel(dir);
  for (const batch of [512, 4096]) {
    const r = fusedRate(scorer, features, batch);
    results[`${used}-fused-${batch}`] = r;
    rows.push([used, 'fused matMul scoreBatch', batch, fmt(r)]);
  }
  const e2e = endToEndRate(scorer, 4096);
  results[`${used}-e2e`] = e2e;
  rows.push([used, 'extract + scoreBatch', 4096, fmt(e2e)]);
  scorer.dispose();
  const p = predictRate(dir, features, 4096);
  results[`${used}-predict`] = p;
  rows.push([used, 'tfjs-layers predict (reference)', 4096, fmt(p)]);
}
console.log(`model ${dir}, ${N} synthetic events, ${FEATURE_DIMENSION} features\n`);
console.log(table(rows));
const e2e = results['wasm-e2e'] ?? 0;
const fused = results['wasm-fused-4096'] ?? 0;
console.log(`\nwasm, batch 4096: fused scoreBatch ${fmt(fused)} rows/s = ${fmt(fused / (results['wasm-predict'] ?? 1), 1)}× the predict path (same weights, same batch)`);
console.log(`default backend (wasm): extract + score ${fmt(e2e)} events/s; bar ≥ 100,000 → ${e2e >= 100_000 ? `met (${fmt(e2e / 100_000, 1)}×)` : 'NOT met'}`);
