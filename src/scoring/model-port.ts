/** Port for an optional learned model; the tfjs autoencoder implements it elsewhere. */
import type { WardenEvent } from '../events/event.js';
import type { IdentityResolution } from '../identity/types.js';

export interface ModelScore {
  /** Anomaly in 0..1 (0 = typical for the identity class, 1 = as unusual as the model can say). */
  anomaly: number;
  /** Short human-readable explanation, e.g. the features that reconstructed worst. */
  detail?: string;
}

export interface ModelScorer {
  /** Version carried in every decision and in the decision id. */
  readonly version: string;
  /** One inference for the whole batch; returns one score per event, in order. */
  scoreBatch(events: readonly WardenEvent[], identities: readonly IdentityResolution[]): Promise<ModelScore[]>;
}
