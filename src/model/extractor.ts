/** Batch feature extraction: a tracker plus a buffer, the one path training and scoring share. */
import type { WardenEvent } from '../events/event.js';
import { ContextTracker } from './context.js';
import type { ContextTrackerOptions } from './context.js';
import { FEATURE_DIMENSION } from './feature-schema.js';
import { writeFeatures } from './features.js';

export class FeatureExtractor {
  readonly tracker: ContextTracker;

  constructor(options: ContextTrackerOptions = {}) {
    this.tracker = new ContextTracker(options);
  }

  /**
   * Rows for `events` in order, advancing each identity's context. Events must come in event-time
   * order per identity (as a partition delivers them) for the rate features to mean anything.
   */
  extract(events: readonly WardenEvent[]): Float32Array {
    const out = new Float32Array(events.length * FEATURE_DIMENSION);
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as WardenEvent;
      writeFeatures(event, this.tracker.observe(event), out, i);
    }
    return out;
  }
}
