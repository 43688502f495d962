/**
 * Batch inference on the hot path. tfjs-layers' `predict` is ~40× slower here than running the
 * trained weights through `tf.fused.matMul` (bias + activation in one kernel) inside one
 * `tf.tidy`, so the scorer keeps the weights as tensors and does exactly that, once per batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelMeta } from './artifact.js';
import { percentileOf } from './percentiles.js';
import type { ErrorDistribution } from './percentiles.js';

export interface DenseLayer {
  activation: 'relu' | 'linear';
  inputs: number;
  units: number;
  /** Row-major `[inputs, units]`. */
  kernel: Float32Array;
  bias: Float32Array;
}

export interface ScoreResult {
  /** Mean squared reconstruction error per row. */
  error: Float32Array;
  /** Percentile (0..100) of each row's error among the benign errors of its identity class. */
  percentile: Float32Array;
  /** Squared error per row and feature group, `rows × groups.length`, row-major. */
  groupErrors: Float32Array;
  /** Feature group names, in the column order of `groupErrors`. */
  groups: readonly string[];
}

export class ModelScorer {
  readonly version: string;
  readonly backend: string;
  readonly meta: ModelMeta;
  readonly dimension: number;
  readonly groups: readonly string[];
  private readonly kernels: tf.Tensor2D[];
  private readonly biases: tf.Tensor1D[];
  private readonly activations: ('relu' | 'linear')[];
  /** `[dimension, groups]` 0/1 matrix summing squared errors per feature group in one matMul. */
  private readonly groupMatrix: tf.Tensor2D;
  private readonly global: ErrorDistribution;
  private readonly classes: ReadonlyMap<string, ErrorDistribution>;
  private disposed = false;

  constructor(meta: ModelMeta, layers: readonly DenseLayer[]) {
    this.meta = meta;
    this.version = meta.version;
    this.backend = tf.getBackend();
    this.dimension = meta.featureSchema.dimension;
    this.groups = meta.featureSchema.groups.map((g) => g.name);
    this.kernels = layers.map((l) => tf.keep(tf.tensor2d(l.kernel, [l.inputs, l.units])));
    this.biases = layers.map((l) => tf.keep(tf.tensor1d(l.bias)));
    this.activations = layers.map((l) => l.activation);
    const g = new Float32Array(this.dimension * this.groups.length);
    meta.featureSchema.groups.forEach((group, j) => {
      for (let i = group.offset; i < group.offset + group.size; i++) g[i * this.groups.length + j] = 1;
    });
    this.groupMatrix = tf.keep(tf.tensor2d(g, [this.dimension, this.groups.length]));
    this.global = meta.thresholds.global;
    this.classes = new Map(Object.entries(meta.thresholds.classes));
  }

  /**
   * Scores `rows` feature rows (row-major in `features`). `classes[i]` is row i's identity class;
   * a class the model has no distribution for (or null) is ranked against all benign traffic.
   */
  scoreBatch(features: Float32Array, rows: number, classes: readonly (string | null)[]): ScoreResult {
    if (this.disposed) throw new Error(`model ${this.version} was disposed`);
    if (features.length < rows * this.dimension) {
      throw new RangeError(`scoreBatch: ${rows} rows need ${rows * this.dimension} floats, got ${features.length}`);
    }
    const groupCount = this.groups.length;
    if (rows === 0) return { error: new Float32Array(0), percentile: new Float32Array(0), groupErrors: new Float32Array(0), groups: this.groups };
    const perGroup = tf.tidy(() => {
      const x = tf.tensor2d(features.subarray(0, rows * this.dimension), [rows, this.dimension]);
      let h: tf.Tensor2D = x;
      for (let i = 0; i < this.kernels.length; i++) {
        h = tf.fused.matMul({ a: h, b: this.kernels[i] as tf.Tensor2D, bias: this.biases[i], activation: this.activations[i] }) as tf.Tensor2D;
      }
      return tf.matMul(tf.squaredDifference(h, x), this.groupMatrix);
    });
    const groupErrors = perGroup.dataSync() as Float32Array;
    perGroup.dispose();
    const error = new Float32Array(rows);
    const percentile = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = 0; j < groupCount; j++) sum += groupErrors[r * groupCount + j] as number;
      const e = sum / this.dimension;
      error[r] = e;
      const cls = classes[r];
      const dist = (cls !== null && cls !== undefined ? this.classes.get(cls) : undefined) ?? this.global;
      percentile[r] = percentileOf(dist, e);
    }
    return { error, percentile, groupErrors, groups: this.groups };
  }

  /** The class a row of this class is ranked against: itself when the model knows it, else null (global). */
  rankedAgainst(identityClass: string | null): string | null {
    return identityClass !== null && this.classes.has(identityClass) ? identityClass : null;
  }

  /** Frees the weight tensors. The holder calls this when a newer model replaces this one. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of [...this.kernels, ...this.biases, this.groupMatrix]) t.dispose();
  }
}
