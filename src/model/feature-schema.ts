/**
 * The versioned feature schema: which groups of columns a feature vector has, in which order.
 * A model records the version, dimension and fingerprint of the schema it was trained with and is
 * refused by a Warden whose schema differs. Change anything here → bump FEATURE_SCHEMA_VERSION.
 */
import { fnv1a } from './hash.js';

export const FEATURE_SCHEMA_VERSION = 1;

export interface FeatureGroup {
  /** Stable group name, used in reasons ("top contributing feature groups"). */
  name: string;
  /** Hashed categorical groups set one column per present value; numeric groups hold scalars. */
  kind: 'hashed' | 'numeric';
  /** Column names for numeric groups; hashed groups name their columns `<group>#<bucket>`. */
  columns: readonly string[];
}

function hashed(name: string, buckets: number): FeatureGroup {
  return { name, kind: 'hashed', columns: Array.from({ length: buckets }, (_, i) => `${name}#${i}`) };
}

function numeric(name: string, columns: readonly string[]): FeatureGroup {
  return { name, kind: 'numeric', columns: columns.map((c) => `${name}.${c}`) };
}

/** Groups in column order. Bucket counts trade collisions for width (the model is D-32-8-32-D). */
export const FEATURE_GROUPS: readonly FeatureGroup[] = [
  hashed('identity', 16),
  hashed('action', 24),
  hashed('service', 12),
  hashed('resource', 16),
  hashed('network', 12),
  hashed('country', 8),
  hashed('region', 8),
  hashed('userAgent', 8),
  hashed('workload', 8),
  numeric('time', ['weekSin', 'weekCos', 'daySin', 'dayCos']),
  numeric('rate', ['perMinute', 'perHour', 'gap']),
  numeric('volume', ['bytes', 'rows']),
  numeric('outcome', ['success', 'failure', 'denied', 'unknown']),
  numeric('failures', ['recent']),
  numeric('privileged', ['privileged', 'readOnly']),
];

export interface GroupLayout {
  name: string;
  kind: 'hashed' | 'numeric';
  offset: number;
  size: number;
}

/** Offsets of each group, computed once. */
export const FEATURE_LAYOUT: readonly GroupLayout[] = (() => {
  let offset = 0;
  return FEATURE_GROUPS.map((g) => {
    const layout = { name: g.name, kind: g.kind, offset, size: g.columns.length };
    offset += g.columns.length;
    return layout;
  });
})();

export const FEATURE_NAMES: readonly string[] = FEATURE_GROUPS.flatMap((g) => g.columns);

export const FEATURE_DIMENSION = FEATURE_NAMES.length;

/**
 * Fingerprint of the names and order of every column. Two schemas with the same version but a
 * different layout (an edit without a version bump) still fail to match.
 */
export const FEATURE_SCHEMA_FINGERPRINT = `v${FEATURE_SCHEMA_VERSION}-${FEATURE_DIMENSION}-${fnv1a(FEATURE_NAMES.join('\n')).toString(16).padStart(8, '0')}`;

export function groupLayout(name: string): GroupLayout {
  const g = FEATURE_LAYOUT.find((l) => l.name === name);
  if (!g) throw new Error(`unknown feature group ${name}`);
  return g;
}
