/**
 * Training the autoencoder with tfjs-layers: D-32-8-32-D dense, relu inside, linear output, MSE.
 * Deterministic for a seed as far as tfjs allows: seeded initialisers, our own seeded split and
 * per-epoch shuffle (tfjs' `shuffle` uses Math.random), and the best epoch's weights kept.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32, shuffledIndices } from './random.js';
import type { DenseLayer } from './scorer.js';

export interface TrainOptions {
  /** Maximum passes over the training rows. @defaultValue 100 */
  epochs?: number;
  /** @defaultValue 256 */
  batchSize?: number;
  /** @defaultValue 1 */
  seed?: number;
  /** Share of rows held out to decide early stopping. @defaultValue 0.1 */
  validationFraction?: number;
  /** Epochs without validation improvement before stopping. @defaultValue 5 */
  patience?: number;
  /** Adam learning rate. @defaultValue 0.003 */
  learningRate?: number;
  /** Hidden layer widths. @defaultValue [32, 8, 32] */
  hidden?: readonly number[];
  /** Called after each epoch (progress output). */
  onEpoch?: (info: EpochInfo) => void;
}

export interface EpochInfo {
  epoch: number;
  epochs: number;
  trainLoss: number;
  validationLoss: number;
  best: boolean;
}

export interface TrainResult {
  layers: DenseLayer[];
  architecture: number[];
  epochs: number;
  bestEpoch: number;
  trainLoss: number;
  validationLoss: number;
  trainRows: number;
  validationRows: number;
}

function gather(features: Float32Array, dim: number, idx: Uint32Array, from: number, to: number): Float32Array {
  const out = new Float32Array((to - from) * dim);
  for (let i = from; i < to; i++) {
    const r = idx[i] as number;
    out.set(features.subarray(r * dim, (r + 1) * dim), (i - from) * dim);
  }
  return out;
}

function snapshot(model: tf.LayersModel): DenseLayer[] {
  return model.layers.map((layer) => {
    const [kernel, bias] = layer.getWeights() as [tf.Tensor, tf.Tensor];
    const [inputs, units] = kernel.shape as [number, number];
    const activation = (layer.getConfig().activation as string) === 'relu' ? 'relu' : 'linear';
    return { activation, inputs, units, kernel: Float32Array.from(kernel.dataSync()), bias: Float32Array.from(bias.dataSync()) };
  });
}

/** Trains on `rows` feature rows of width `dim` (row-major). */
export async function trainAutoencoder(features: Float32Array, rows: number, dim: number, options: TrainOptions = {}): Promise<TrainResult> {
  const epochs = options.epochs ?? 100;
  const batchSize = options.batchSize ?? 256;
  const seed = options.seed ?? 1;
  const patience = options.patience ?? 5;
  const hidden = options.hidden ?? [32, 8, 32];
  if (rows < 20) throw new Error(`need at least 20 events to train, got ${rows}`);
  const random = mulberry32(seed);

  const order = shuffledIndices(rows, random);
  const validationRows = Math.max(1, Math.round(rows * (options.validationFraction ?? 0.1)));
  const trainRows = rows - validationRows;
  const trainIdx = order.slice(0, trainRows);
  const valX = tf.tensor2d(gather(features, dim, order, trainRows, rows), [validationRows, dim]);

  const model = tf.sequential();
  const sizes = [...hidden, dim];
  sizes.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: i === sizes.length - 1 ? 'linear' : 'relu',
        ...(i === 0 ? { inputShape: [dim] } : {}),
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 101 + i }),
        biasInitializer: 'zeros',
      }),
    );
  });
  model.compile({ optimizer: tf.train.adam(options.learningRate ?? 0.003), loss: 'meanSquaredError' });

  let best = { epoch: 0, validationLoss: Number.POSITIVE_INFINITY, trainLoss: Number.NaN, layers: snapshot(model) };
  let epoch = 0;
  try {
    for (epoch = 1; epoch <= epochs; epoch++) {
      const perm = shuffledIndices(trainRows, random);
      const epochIdx = new Uint32Array(trainRows);
      for (let i = 0; i < trainRows; i++) epochIdx[i] = trainIdx[perm[i] as number] as number;
      const x = tf.tensor2d(gather(features, dim, epochIdx, 0, trainRows), [trainRows, dim]);
      const history = await model.fit(x, x, { epochs: 1, batchSize, shuffle: false, verbose: 0 });
      x.dispose();
      const trainLoss = Number(history.history.loss?.[0] ?? Number.NaN);
      const valLossTensor = model.evaluate(valX, valX, { batchSize: 4096 }) as tf.Scalar;
      const validationLoss = (await valLossTensor.data())[0] as number;
      valLossTensor.dispose();
      const improved = validationLoss < best.validationLoss * (1 - 1e-4);
      if (improved) best = { epoch, validationLoss, trainLoss, layers: snapshot(model) };
      options.onEpoch?.({ epoch, epochs, trainLoss, validationLoss, best: improved });
      if (epoch - best.epoch >= patience) break;
    }
  } finally {
    valX.dispose();
    model.dispose();
  }
  return {
    layers: best.layers,
    architecture: [dim, ...sizes],
    epochs: Math.min(epoch, epochs),
    bestEpoch: best.epoch,
    trainLoss: best.trainLoss,
    validationLoss: best.validationLoss,
    trainRows,
    validationRows,
  };
}
