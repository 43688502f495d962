/**
 * The model as the decider sees it: events in, one anomaly score (0..1) and explanation per
 * event out, one inference per batch. Matches the `ModelScorer` port of `src/scoring/` by shape,
 * so scoring never imports tfjs. Keeps the per-identity context tracker, so it must see every
 * event of the identities it scores, in order (a partition does).
 */
import type { WardenEvent } from '../events/event.js';
import type { Reason } from '../decisions/decision.js';
import { FeatureExtractor } from './extractor.js';
import type { ModelHolder } from './holder.js';
import { modelReason } from './reason.js';
import type { ModelReasonOptions } from './reason.js';

export interface ModelEventScore {
  /** 0 below `minPercentile`; 0.5 → 1 from `minPercentile` to `fullWeightPercentile`. */
  anomaly: number;
  detail?: string;
  /** The reason to put on the decision, already weighted; null when the model has nothing to say. */
  reason: Reason | null;
  percentile: number;
  /** Raw reconstruction error (for analysis: it does not saturate where the percentile reaches 100). */
  error: number;
}

export interface ModelPortOptions extends ModelReasonOptions {
  /** Identities whose context is tracked (LRU beyond). @defaultValue 100000 */
  maxIdentities?: number;
}

export class AutoencoderPort {
  private readonly holder: ModelHolder;
  private readonly options: ModelPortOptions;
  private readonly extractor: FeatureExtractor;

  constructor(holder: ModelHolder, options: ModelPortOptions) {
    this.holder = holder;
    this.options = options;
    this.extractor = new FeatureExtractor(options.maxIdentities === undefined ? {} : { maxIdentities: options.maxIdentities });
  }

  /** Version of the model serving now; goes into every decision and its id. */
  get version(): string {
    return this.holder.current.version;
  }

  get backend(): string {
    return this.holder.current.backend;
  }

  /**
   * Scores a batch. `identities[i].class` is the inventory class of event i; when the model has no
   * distribution for it, the event's identity type is tried, then all benign traffic.
   */
  async scoreBatch(events: readonly WardenEvent[], identities: readonly { class: string | null }[]): Promise<ModelEventScore[]> {
    const scorer = this.holder.current;
    const features = this.extractor.extract(events);
    const classes = events.map((e, i) => scorer.rankedAgainst(identities[i]?.class ?? null) ?? scorer.rankedAgainst(e.identity.type ?? null));
    const result = scorer.scoreBatch(features, events.length, classes);
    return events.map((_, i) => {
      const reason = modelReason(result, i, this.options, { version: scorer.version, identityClass: classes[i] ?? null });
      const percentile = result.percentile[i] ?? 0;
      const error = result.error[i] ?? 0;
      if (!reason) return { anomaly: 0, reason: null, percentile, error };
      return { anomaly: this.options.weight > 0 ? reason.weight / this.options.weight : 0, detail: reason.detail, reason, percentile, error };
    });
  }
}
