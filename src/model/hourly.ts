/**
 * The hourly-aggregate model: per identity and UTC hour, the *running* aggregate of the hour so far
 * (calls, reads, writes, failures, distinct and first-seen values, bytes, rows, the share of the
 * top action, …) becomes one small feature row per event, so an exfiltration hour is scored while
 * it happens. Two scoring methods over those rows, both calibrated as percentiles of the same
 * per-event scores on benign training hours, per identity class:
 *
 * - `autoencoder`: a small dense autoencoder (trained with `trainAutoencoder`), reconstruction error;
 * - `robust-z`: per class and column, median and MAD of the benign rows; the score is the largest
 *   robust z-score *above* the median (an hour is only suspicious for having more of something).
 *
 * State (the current hour's counters and the values each identity has used) lives in the process
 * and is rebuilt from the event stream; an identity seen for less than `warmupMs` is not scored.
 */
import { createHash } from 'node:crypto';
import type { WardenEvent } from '../events/event.js';
import type { IdentityResolution } from '../identity/types.js';
import { networkOf, resourcePrefix } from './features.js';
import { PERCENTILE_LEVELS, errorDistribution, percentileOf } from './percentiles.js';
import type { ErrorDistribution } from './percentiles.js';
import type { DenseLayer } from './scorer.js';
import { trainAutoencoder } from './train.js';
import type { TrainOptions } from './train.js';

/** Columns of an hourly row, in order. All roughly in [0, 1.5] (the relative ones in [-1.5, 1.5]). */
export const HOURLY_COLUMNS = [
  'calls',
  'reads',
  'writes',
  'failures',
  'distinctActions',
  'distinctResources',
  'newActions',
  'newResources',
  'newNetworks',
  'bytes',
  'rows',
  'topActionShare',
  'failureShare',
  'distinctResourceShare',
  'callsVsUsual',
  'bytesVsUsual',
  'minuteOfHour',
  'daySin',
  'dayCos',
] as const;

export type HourlyColumn = (typeof HOURLY_COLUMNS)[number];
export const HOURLY_DIMENSION = HOURLY_COLUMNS.length;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

interface HourState {
  hour: number;
  calls: number;
  reads: number;
  writes: number;
  failures: number;
  bytes: number;
  rows: number;
  actions: Map<string, number>;
  topAction: number;
  resources: Set<string>;
  newActions: number;
  newResources: number;
  newNetworks: number;
}

interface IdentityState {
  firstSeenMs: number;
  current: HourState | null;
  /** Exponentially weighted mean of log1p(calls) and log1p(bytes) over the identity's past active hours. */
  usualCalls: number;
  usualBytes: number;
  pastHours: number;
  seenActions: Set<string>;
  seenResources: Set<string>;
  seenNetworks: Set<string>;
}

export interface HourlyAggregatorOptions {
  /** Identities kept; the least recently seen is forgotten beyond this. @defaultValue 100000 */
  maxIdentities?: number;
  /** Values remembered per identity and kind (actions, resource prefixes, networks). @defaultValue 5000 */
  maxValues?: number;
  /** An identity first seen less than this long ago is "cold": its rows are neither trained on nor scored. @defaultValue 1 day */
  warmupMs?: number;
}

function logScaled(x: number, scale: number): number {
  if (!(x > 0)) return 0;
  return Math.min(1.5, Math.log1p(x) / Math.log1p(scale));
}

const clip = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

function newHour(hour: number): HourState {
  return { hour, calls: 0, reads: 0, writes: 0, failures: 0, bytes: 0, rows: 0, actions: new Map(), topAction: 0, resources: new Set(), newActions: 0, newResources: 0, newNetworks: 0 };
}

/** Adds `value` to `seen`; true when it was not there (a set at its cap remembers nothing more, and reports nothing new). */
function firstUse(seen: Set<string>, value: string, cap: number): boolean {
  if (seen.has(value) || seen.size >= cap) return false;
  seen.add(value);
  return true;
}

/**
 * Running hourly aggregates per identity. `observe` folds an event into its identity's current
 * UTC hour (starting a new one when the hour changed) and writes the hour-so-far row.
 */
export class HourlyAggregator {
  private readonly states = new Map<string, IdentityState>();
  private readonly maxIdentities: number;
  private readonly maxValues: number;
  readonly warmupMs: number;

  constructor(options: HourlyAggregatorOptions = {}) {
    this.maxIdentities = options.maxIdentities ?? 100_000;
    this.maxValues = options.maxValues ?? 5000;
    this.warmupMs = options.warmupMs ?? DAY_MS;
  }

  /** Folds `event` in and writes its hour-so-far row at `out[row * HOURLY_DIMENSION …]`; returns whether the identity is warm. */
  observe(event: WardenEvent, out: Float32Array, row: number): boolean {
    const id = event.identity.id;
    const t = Date.parse(event.time);
    const time = Number.isFinite(t) ? t : 0;
    let s = this.states.get(id);
    if (s === undefined) {
      s = { firstSeenMs: time, current: null, usualCalls: 0, usualBytes: 0, pastHours: 0, seenActions: new Set(), seenResources: new Set(), seenNetworks: new Set() };
      if (this.states.size >= this.maxIdentities) {
        const oldest = this.states.keys().next().value;
        if (oldest !== undefined) this.states.delete(oldest);
      }
    } else {
      this.states.delete(id); // re-inserted below: Map order is least recently seen first
    }
    this.states.set(id, s);

    const hour = Math.floor(time / HOUR_MS);
    // An out-of-order event from an earlier hour joins the current one rather than reopening the past.
    if (s.current === null || hour > s.current.hour) {
      if (s.current !== null) {
        const done = s.current;
        const w = s.pastHours === 0 ? 1 : Math.max(0.05, 1 / (s.pastHours + 1));
        s.usualCalls += w * (Math.log1p(done.calls) - s.usualCalls);
        s.usualBytes += w * (Math.log1p(done.bytes) - s.usualBytes);
        s.pastHours++;
      }
      s.current = newHour(hour);
    }
    const h = s.current;
    h.calls++;
    if (event.readOnly) h.reads++;
    else h.writes++;
    if (event.outcome === 'failure' || event.outcome === 'denied') h.failures++;
    h.bytes += event.bytes ?? 0;
    h.rows += event.rows ?? 0;
    const n = (h.actions.get(event.action) ?? 0) + 1;
    h.actions.set(event.action, n);
    if (n > h.topAction) h.topAction = n;
    if (firstUse(s.seenActions, event.action, this.maxValues)) h.newActions++;
    if (event.resource) {
      if (h.resources.size < this.maxValues) h.resources.add(event.resource);
      if (firstUse(s.seenResources, resourcePrefix(event.resource), this.maxValues)) h.newResources++;
    }
    const net = event.source?.ip ? networkOf(event.source.ip) : null;
    if (net !== null && firstUse(s.seenNetworks, net, this.maxValues)) h.newNetworks++;

    const base = row * HOURLY_DIMENSION;
    const day = (((time % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS * 2 * Math.PI;
    const values: number[] = [
      logScaled(h.calls, 5000),
      logScaled(h.reads, 5000),
      logScaled(h.writes, 5000),
      logScaled(h.failures, 500),
      logScaled(h.actions.size, 200),
      logScaled(h.resources.size, 2000),
      logScaled(h.newActions, 50),
      logScaled(h.newResources, 50),
      logScaled(h.newNetworks, 20),
      logScaled(h.bytes, 1e11),
      logScaled(h.rows, 1e8),
      h.topAction / h.calls,
      h.failures / h.calls,
      h.resources.size / h.calls,
      // How far the hour so far is above the identity's usual active hour (log ratio, e-fold = 0.25).
      s.pastHours === 0 ? 0 : clip((Math.log1p(h.calls) - s.usualCalls) / 4, -1.5, 1.5),
      s.pastHours === 0 ? 0 : clip((Math.log1p(h.bytes) - s.usualBytes) / 4, -1.5, 1.5),
      (((time % HOUR_MS) + HOUR_MS) % HOUR_MS) / HOUR_MS,
      Math.sin(day),
      Math.cos(day),
    ];
    for (let j = 0; j < HOURLY_DIMENSION; j++) out[base + j] = values[j] as number;
    return time - s.firstSeenMs >= this.warmupMs;
  }

  /** Rows for `events` in order, and which of them are warm. */
  extract(events: readonly WardenEvent[]): { features: Float32Array; warm: boolean[] } {
    const features = new Float32Array(events.length * HOURLY_DIMENSION);
    const warm = events.map((e, i) => this.observe(e, features, i));
    return { features, warm };
  }
}

export type HourlyMethod = 'autoencoder' | 'robust-z';

/** Per-column median and MAD-based scale of one class's benign rows. */
export interface ColumnStats {
  median: number[];
  scale: number[];
}

/** Everything needed to score: JSON-serialisable. */
export interface HourlyModelArtifact {
  format: 'warden-hourly/1';
  version: string;
  method: HourlyMethod;
  columns: string[];
  warmupMs: number;
  trainRows: number;
  /** Autoencoder layers (method `autoencoder`), values as plain arrays. */
  layers: { activation: 'relu' | 'linear'; inputs: number; units: number; kernel: number[]; bias: number[] }[];
  /** Robust statistics (method `robust-z`), all rows and per class. */
  stats: { global: ColumnStats; classes: Record<string, ColumnStats> };
  /** Benign score distributions, all rows and per class with enough rows. */
  thresholds: { global: ErrorDistribution; classes: Record<string, ErrorDistribution> };
}

export interface BuildHourlyInput {
  /** Benign events, in event-time order per identity. */
  events: readonly WardenEvent[];
  /** Identity class of an event (per-class statistics and thresholds); null → all traffic. */
  classOf: (event: WardenEvent) => string | null;
}

export interface BuildHourlyOptions extends TrainOptions {
  method?: HourlyMethod;
  /** Rows a class needs for its own statistics and distribution. @defaultValue 300 */
  minClassRows?: number;
  warmupMs?: number;
}

const MAD_FLOOR = 0.02;

function columnStats(features: Float32Array, rows: readonly number[]): ColumnStats {
  const median: number[] = [];
  const scale: number[] = [];
  const col = new Float32Array(rows.length);
  for (let j = 0; j < HOURLY_DIMENSION; j++) {
    rows.forEach((r, k) => {
      col[k] = features[r * HOURLY_DIMENSION + j] as number;
    });
    const sorted = Float32Array.from(col).sort();
    const m = sorted.length ? (sorted[Math.floor((sorted.length - 1) / 2)] as number) : 0;
    const dev = sorted.map((v) => Math.abs(v - m)).sort();
    const mad = dev.length ? (dev[Math.floor((dev.length - 1) / 2)] as number) : 0;
    median.push(m);
    // 1.4826 × MAD estimates σ for normal data; a floor keeps constant columns from dividing by ~0.
    scale.push(Math.max(MAD_FLOOR, 1.4826 * mad));
  }
  return { median, scale };
}

/** Per-column contributions of row `r` (squared reconstruction error, or positive z-score) and its score. */
function rowScore(artifact: HourlyModelArtifact, features: Float32Array, r: number, cls: string | null, contrib: Float64Array): number {
  const base = r * HOURLY_DIMENSION;
  if (artifact.method === 'robust-z') {
    const st = (cls !== null ? artifact.stats.classes[cls] : undefined) ?? artifact.stats.global;
    let max = 0;
    for (let j = 0; j < HOURLY_DIMENSION; j++) {
      const z = Math.max(0, ((features[base + j] as number) - (st.median[j] as number)) / (st.scale[j] as number));
      contrib[j] = z;
      if (z > max) max = z;
    }
    return max;
  }
  let h: Float64Array = Float64Array.from(features.subarray(base, base + HOURLY_DIMENSION));
  for (const l of artifact.layers) {
    const next = new Float64Array(l.units);
    for (let u = 0; u < l.units; u++) {
      let s = l.bias[u] as number;
      for (let i = 0; i < l.inputs; i++) s += (h[i] as number) * (l.kernel[i * l.units + u] as number);
      next[u] = l.activation === 'relu' ? Math.max(0, s) : s;
    }
    h = next;
  }
  let sum = 0;
  for (let j = 0; j < HOURLY_DIMENSION; j++) {
    const d = (h[j] as number) - (features[base + j] as number);
    contrib[j] = d * d;
    sum += d * d;
  }
  return sum / HOURLY_DIMENSION;
}

/** Trains the hourly model on benign events: aggregates, then the method's fit, then benign score percentiles. */
export async function buildHourlyModel(input: BuildHourlyInput, options: BuildHourlyOptions = {}): Promise<HourlyModelArtifact> {
  const method = options.method ?? 'autoencoder';
  const aggregator = new HourlyAggregator({ maxIdentities: Number.MAX_SAFE_INTEGER, ...(options.warmupMs !== undefined ? { warmupMs: options.warmupMs } : {}) });
  const { features: all, warm } = aggregator.extract(input.events);
  const keep: number[] = [];
  warm.forEach((w, i) => {
    if (w) keep.push(i);
  });
  if (keep.length < 20) throw new Error(`need at least 20 warm events to train the hourly model, got ${keep.length}`);
  const features = new Float32Array(keep.length * HOURLY_DIMENSION);
  keep.forEach((src, k) => features.set(all.subarray(src * HOURLY_DIMENSION, (src + 1) * HOURLY_DIMENSION), k * HOURLY_DIMENSION));
  const classes = keep.map((i) => input.classOf(input.events[i] as WardenEvent));
  const minClassRows = options.minClassRows ?? 300;
  const byClass = new Map<string, number[]>();
  classes.forEach((c, k) => {
    if (c === null) return;
    const list = byClass.get(c) ?? [];
    list.push(k);
    byClass.set(c, list);
  });
  const big = [...byClass.entries()].filter(([, rows]) => rows.length >= minClassRows);

  const empty: ErrorDistribution = { count: 0, errors: PERCENTILE_LEVELS.map(() => 0), p50: 0, p90: 0, p99: 0, p999: 0 };
  const artifact: HourlyModelArtifact = {
    format: 'warden-hourly/1',
    version: '',
    method,
    columns: [...HOURLY_COLUMNS],
    warmupMs: aggregator.warmupMs,
    trainRows: keep.length,
    layers: [],
    stats: { global: { median: [], scale: [] }, classes: {} },
    thresholds: { global: empty, classes: {} },
  };
  if (method === 'robust-z') {
    artifact.stats.global = columnStats(features, keep.map((_, k) => k));
    for (const [c, rows] of big) artifact.stats.classes[c] = columnStats(features, rows);
  } else {
    const trained = await trainAutoencoder(features, keep.length, HOURLY_DIMENSION, { hidden: [16, 6, 16], ...options });
    artifact.layers = trained.layers.map((l: DenseLayer) => ({ activation: l.activation, inputs: l.inputs, units: l.units, kernel: Array.from(l.kernel), bias: Array.from(l.bias) }));
  }
  const contrib = new Float64Array(HOURLY_DIMENSION);
  const scores = new Float32Array(keep.length);
  for (let k = 0; k < keep.length; k++) {
    const c = classes[k] ?? null;
    scores[k] = rowScore(artifact, features, k, c !== null && artifact.stats.classes[c] ? c : null, contrib);
  }
  artifact.thresholds.global = errorDistribution(scores);
  for (const [c, rows] of big) artifact.thresholds.classes[c] = errorDistribution(Float32Array.from(rows.map((k) => scores[k] as number)));
  const sha = createHash('sha256').update(JSON.stringify({ ...artifact, version: '' })).digest('hex');
  const last = input.events[input.events.length - 1]?.time ?? '1970-01-01';
  artifact.version = `hourly-${method === 'robust-z' ? 'z' : 'ae'}-${last.slice(0, 10).replaceAll('-', '')}-${sha.slice(0, 8)}`;
  return artifact;
}

export interface HourlyScorerOptions {
  /** Percentile from which the model speaks. */
  minPercentile: number;
  /** Percentile at which it has full weight. */
  fullWeightPercentile: number;
  maxIdentities?: number;
  /** Columns named in the detail. @defaultValue 3 */
  topColumns?: number;
}

export interface HourlyEventScore {
  /** 0 below `minPercentile` (and for cold identities); 0.5 → 1 up to `fullWeightPercentile`. */
  anomaly: number;
  detail?: string;
  percentile: number;
  /** Raw score (reconstruction error or largest z); does not saturate. */
  error: number;
  warm: boolean;
}

/**
 * The decider's `ModelScorer` over hourly aggregates. Must see every event of the identities it
 * scores, in order (it keeps their running hours).
 */
export class HourlyAggregateScorer {
  readonly version: string;
  readonly artifact: HourlyModelArtifact;
  private readonly options: HourlyScorerOptions;
  private readonly aggregator: HourlyAggregator;
  private readonly classes: ReadonlyMap<string, ErrorDistribution>;

  constructor(artifact: HourlyModelArtifact, options: HourlyScorerOptions) {
    if (artifact.columns.join(',') !== HOURLY_COLUMNS.join(',')) throw new Error(`hourly model ${artifact.version} was trained with other columns`);
    this.artifact = artifact;
    this.version = artifact.version;
    this.options = options;
    this.aggregator = new HourlyAggregator({ warmupMs: artifact.warmupMs, ...(options.maxIdentities !== undefined ? { maxIdentities: options.maxIdentities } : {}) });
    this.classes = new Map(Object.entries(artifact.thresholds.classes));
  }

  private rankedAgainst(cls: string | null | undefined): string | null {
    return cls !== null && cls !== undefined && this.classes.has(cls) ? cls : null;
  }

  scoreBatch(events: readonly WardenEvent[], identities: readonly Pick<IdentityResolution, 'class'>[]): Promise<HourlyEventScore[]> {
    const { features, warm } = this.aggregator.extract(events);
    const contrib = new Float64Array(HOURLY_DIMENSION);
    const out = events.map((e, i): HourlyEventScore => {
      const cls = this.rankedAgainst(identities[i]?.class) ?? this.rankedAgainst(e.identity.type);
      const error = rowScore(this.artifact, features, i, cls, contrib);
      if (!warm[i]) return { anomaly: 0, percentile: 0, error, warm: false };
      const p = percentileOf((cls !== null ? this.classes.get(cls) : undefined) ?? this.artifact.thresholds.global, error);
      if (p < this.options.minPercentile) return { anomaly: 0, percentile: p, error, warm: true };
      const span = Math.max(1e-9, this.options.fullWeightPercentile - this.options.minPercentile);
      const anomaly = Math.min(1, 0.5 + (0.5 * (p - this.options.minPercentile)) / span);
      const top = HOURLY_COLUMNS.map((name, j) => ({ name, v: contrib[j] as number }))
        .filter((c) => c.v > 0)
        .sort((a, b) => b.v - a.v)
        .slice(0, this.options.topColumns ?? 3)
        .map((c) => c.name);
      const at = p >= 100 ? 'above every benign hour' : `at p${p.toFixed(2)} of benign hours`;
      const detail = `hour so far ${at} (${cls ? `class ${cls}` : 'all identities'}, model ${this.version})${top.length ? `; unusual: ${top.join(', ')}` : ''}`;
      return { anomaly, detail, percentile: p, error, warm: true };
    });
    return Promise.resolve(out);
  }
}
