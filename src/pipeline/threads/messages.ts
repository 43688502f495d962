/**
 * What the host thread of `warden run` (`pipeline.threads` > 1) and its pipeline threads say to
 * each other. Every pipeline thread is a whole instance (its own consumer-group member, producer,
 * Redis connection and stages); the host only starts them, serves the HTTP endpoints for all of
 * them and passes signals on.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** What a pipeline thread is started with (`workerData`). */
export interface ThreadData {
  /** 1-based number of the thread, in its log lines. */
  index: number;
  configFile: string;
  identities?: string | undefined;
  policies?: string | undefined;
}

export type HostMessage =
  | { type: 'stop' }
  | { type: 'reload' }
  | { type: 'metrics'; id: number }
  | { type: 'ready'; id: number };

export type ThreadMessage =
  | { type: 'started'; signingKeyId: string }
  | { type: 'start-failed'; error: SerializedError }
  | { type: 'stopped' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'metrics'; id: number; metrics: Array<MetricObjectWithValues<MetricValue<string>>> }
  | { type: 'ready'; id: number; checks: Record<string, boolean> };

/** An error across the thread boundary: its Warden code (when it has one), message and hint. */
export interface SerializedError {
  code?: string;
  message: string;
  hint?: string;
}

export function serializeError(err: unknown): SerializedError {
  const e = err as { code?: unknown; message?: unknown; hint?: unknown };
  return {
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.hint === 'string' ? { hint: e.hint } : {}),
  };
}
