/**
 * A Prometheus histogram without labels for figures observed once per event (the end-to-end lag):
 * prom-client's `Histogram.observe` validates labels, hashes them and looks the bucket up by its
 * number as a property name on every call, which costs about as much as a tenth of a JSON.parse of
 * the event. This one keeps plain per-bucket counts, takes a whole batch in one call
 * (`observeEach`), and exports exactly what a prom-client Histogram with the same buckets and
 * observations exports (same lines, same order), through the same registry.
 */
import type { Metric, Registry } from 'prom-client';

interface ValueLine {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export class BulkHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: number[];
  /** Observations per bucket (not cumulative); the last slot is above the highest bound. */
  private counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
    registers: readonly Registry[],
  ) {
    this.bounds = [...buckets].sort((a, b) => a - b);
    this.counts = new Array<number>(this.bounds.length + 1).fill(0);
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    this.add(value);
  }

  /**
   * Observes `map(value)` for each finite value of `values` (values that are not finite are
   * skipped, as a caller would skip them before `observe`).
   */
  observeEach(values: readonly number[], map: (value: number) => number): void {
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      const x = map(v);
      if (Number.isFinite(x)) this.add(x);
    }
  }

  private add(value: number): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts = new Array<number>(this.bounds.length + 1).fill(0);
    this.sum = 0;
    this.count = 0;
  }

  /** What the registry exports (prom-client's metric object shape). */
  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: ValueLine[] } {
    const bucket = `${this.name}_bucket`;
    const values: ValueLine[] = [];
    let acc = 0;
    for (const [i, le] of this.bounds.entries()) {
      acc += this.counts[i]!;
      values.push({ metricName: bucket, labels: { le }, value: acc });
    }
    values.push(
      { metricName: bucket, labels: { le: '+Inf' }, value: this.count },
      { metricName: `${this.name}_sum`, labels: {}, value: this.sum },
      { metricName: `${this.name}_count`, labels: {}, value: this.count },
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
