/**
 * The per-identity context a feature vector needs (recent rate, recent failures, time since the
 * previous event). Computed from event time only, with exponentially decayed counters, so that
 * training, replay and the live pipeline derive identical features from the same event stream
 * and memory per identity stays constant.
 */
import type { WardenEvent } from '../events/event.js';

/** What the features see of an identity's recent past, including the current event. */
export interface EventContext {
  /** Decayed event count with a 1-minute time constant (≈ events in the last minute). */
  rate1m: number;
  /** Decayed event count with a 1-hour time constant (≈ events in the last hour). */
  rate1h: number;
  /** Decayed count of failed or denied calls with a 10-minute time constant. */
  failures10m: number;
  /** Seconds since the identity's previous event; null for its first event. */
  secondsSincePrevious: number | null;
}

/** Constant-size state kept per identity. */
export interface ContextState {
  lastTimeMs: number;
  rate1m: number;
  rate1h: number;
  failures10m: number;
}

const TAU_1M = 60_000;
const TAU_1H = 3_600_000;
const TAU_10M = 600_000;

/**
 * Pure step: the context of `event` given the identity's previous state, and the new state.
 * An event older than the previous one (out-of-order delivery) decays nothing rather than
 * inflating counters backwards in time.
 */
export function advanceContext(prev: ContextState | undefined, timeMs: number, failed: boolean): { context: EventContext; state: ContextState } {
  if (prev === undefined) {
    const state = { lastTimeMs: timeMs, rate1m: 1, rate1h: 1, failures10m: failed ? 1 : 0 };
    return { context: { rate1m: 1, rate1h: 1, failures10m: state.failures10m, secondsSincePrevious: null }, state };
  }
  const dt = Math.max(0, timeMs - prev.lastTimeMs);
  const state: ContextState = {
    lastTimeMs: Math.max(prev.lastTimeMs, timeMs),
    rate1m: prev.rate1m * Math.exp(-dt / TAU_1M) + 1,
    rate1h: prev.rate1h * Math.exp(-dt / TAU_1H) + 1,
    failures10m: prev.failures10m * Math.exp(-dt / TAU_10M) + (failed ? 1 : 0),
  };
  return {
    context: { rate1m: state.rate1m, rate1h: state.rate1h, failures10m: state.failures10m, secondsSincePrevious: dt / 1000 },
    state,
  };
}

export interface ContextTrackerOptions {
  /** Identities kept; the least recently seen is forgotten beyond this. @defaultValue 100000 */
  maxIdentities?: number;
}

/**
 * Tracks the context of every identity seen, in event order. Not shared across processes: the
 * lead may later feed features from the baseline profile instead; the maths stays `advanceContext`.
 */
export class ContextTracker {
  private readonly states = new Map<string, ContextState>();
  private readonly maxIdentities: number;

  constructor(options: ContextTrackerOptions = {}) {
    this.maxIdentities = options.maxIdentities ?? 100_000;
  }

  /** Records `event` and returns its context (the event itself included in the counts). */
  observe(event: WardenEvent): EventContext {
    const id = event.identity.id;
    const timeMs = Date.parse(event.time);
    const prev = this.states.get(id);
    const failed = event.outcome === 'failure' || event.outcome === 'denied';
    const { context, state } = advanceContext(prev, Number.isFinite(timeMs) ? timeMs : (prev?.lastTimeMs ?? 0), failed);
    // Delete then set keeps Map order = recency, so the first key is the one to evict.
    if (prev !== undefined) this.states.delete(id);
    this.states.set(id, state);
    if (this.states.size > this.maxIdentities) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
    return context;
  }

  get size(): number {
    return this.states.size;
  }
}
