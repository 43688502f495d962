import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACK_KINDS, syntheticFleet } from '../../../bench/lib/synthetic-fleet.js';
import { FeatureExtractor } from '../../../src/model/extractor.js';
import { FEATURE_DIMENSION } from '../../../src/model/feature-schema.js';
import { loadModel } from '../../../src/model/load.js';
import type { ModelArtifact } from '../../../src/model/build.js';
import { modelReason } from '../../../src/model/reason.js';
import type { ModelScorer } from '../../../src/model/scorer.js';
import { modelDir, trainSmallModel } from './helpers.js';

let artifact: ModelArtifact;
let dir: string;
let cleanup: () => void;
let scorer: ModelScorer;

beforeAll(async () => {
  artifact = await trainSmallModel(1);
  ({ dir, cleanup } = await modelDir(artifact));
  scorer = await loadModel(dir);
}, 120_000);

afterAll(() => {
  scorer?.dispose();
  cleanup?.();
});

describe('training', () => {
  it('writes meta.json with the schema, a data summary and per-class thresholds', () => {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as typeof artifact.meta;
    expect(meta.version).toMatch(/^ae-20261105-[0-9a-f]{8}$/);
    expect(meta.featureSchema.dimension).toBe(FEATURE_DIMENSION);
    expect(meta.architecture).toEqual([FEATURE_DIMENSION, 32, 8, 32, FEATURE_DIMENSION]);
    expect(meta.training.events).toBeGreaterThan(1000);
    expect(meta.training.identities).toBe(10);
    expect(meta.training.validationRows).toBeGreaterThan(0);
    expect(meta.training.bestEpoch).toBeGreaterThan(0);
    expect(Object.keys(meta.thresholds.classes)).toContain('workload');
    const g = meta.thresholds.global;
    expect(g.p50).toBeLessThanOrEqual(g.p90);
    expect(g.p90).toBeLessThanOrEqual(g.p99);
    expect(g.p99).toBeLessThanOrEqual(g.p999);
  });

  it('ranks injected attacks (odd combinations included) far above the benign traffic around them', () => {
    const test = syntheticFleet({ seed: 2, days: 4, perPersona: 2, attacksPerKind: 4 });
    const features = new FeatureExtractor().extract(test.events);
    const classes = test.events.map((e) => scorer.rankedAgainst(e.identity.type ?? null));
    const r = scorer.scoreBatch(features, test.events.length, classes);
    for (const kind of ATTACK_KINDS) {
      const attack = test.labels.flatMap((l, i) => (l.attack === kind ? [r.error[i] ?? 0] : []));
      const benign = test.labels.flatMap((l, i) => (l.attack === null ? [r.error[i] ?? 0] : [])).sort((a, b) => a - b);
      const benignP99 = benign[Math.floor(benign.length * 0.99)] ?? 0;
      const median = [...attack].sort((a, b) => a - b)[Math.floor(attack.length / 2)] ?? 0;
      expect(median, kind).toBeGreaterThan(benignP99);
    }
  });

  it('gives the same weights for the same seed', async () => {
    const again = await trainSmallModel(1);
    expect(again.meta.version).toBe(artifact.meta.version);
  }, 120_000);
});

describe('inference and reasons', () => {
  it('scores a batch in one call with a percentile per row and falls back to global for unknown classes', () => {
    const { events } = syntheticFleet({ seed: 5, days: 1, perPersona: 1 });
    const rows = Math.min(200, events.length);
    const f = new FeatureExtractor().extract(events.slice(0, rows));
    const r = scorer.scoreBatch(f, rows, new Array<string | null>(rows).fill('no-such-class'));
    const g = scorer.scoreBatch(f, rows, new Array<string | null>(rows).fill(null));
    expect(r.percentile).toEqual(g.percentile);
    expect(r.error.length).toBe(rows);
    expect(r.groupErrors.length).toBe(rows * r.groups.length);
    expect(Array.from(r.percentile).every((p) => p >= 0 && p <= 100)).toBe(true);
    expect(scorer.rankedAgainst('no-such-class')).toBeNull();
  });

  it('explains a high percentile as a MODEL_ANOMALY reason naming the percentile and the feature groups', () => {
    const { events } = syntheticFleet({ seed: 5, days: 1, perPersona: 1 });
    const normal = events[0];
    if (!normal) throw new Error('no events');
    const odd = { ...normal, id: 'odd', action: 'iam:CreateAccessKey', privileged: true, source: { ip: '45.77.1.2', asn: 'AS20473', country: 'NL', userAgent: 'python-requests/2.31' } };
    const f = new FeatureExtractor().extract([normal, odd]);
    const r = scorer.scoreBatch(f, 2, [null, null]);
    expect(r.percentile[1]).toBeGreaterThan(99.5);
    const reason = modelReason(r, 1, { minPercentile: 99.5, fullWeightPercentile: 99.95, weight: 30 }, { version: scorer.version, identityClass: null });
    expect(reason?.code).toBe('MODEL_ANOMALY');
    expect(reason?.weight).toBeGreaterThanOrEqual(15);
    expect(reason?.weight).toBeLessThanOrEqual(30);
    expect(reason?.detail).toMatch(/benign (traffic|event)/);
    expect(reason?.detail).toContain(scorer.version);
    expect(reason?.detail).toMatch(/unusual: \w+ \d+%/);
    const quiet = modelReason({ ...r, percentile: Float32Array.of(50, 50) }, 1, { minPercentile: 99.5, fullWeightPercentile: 99.95, weight: 30 }, { version: scorer.version });
    expect(quiet).toBeNull();
  });
});

describe('refusing bad models', () => {
  async function broken(mutate: (dir: string) => void): Promise<unknown> {
    const copy = await modelDir(artifact);
    try {
      mutate(copy.dir);
      return await loadModel(copy.dir).then((s) => {
        s.dispose();
        return null;
      }, (err: unknown) => err);
    } finally {
      copy.cleanup();
    }
  }
  const metaOf = (d: string) => JSON.parse(readFileSync(join(d, 'meta.json'), 'utf8')) as Record<string, unknown> & typeof artifact.meta;

  it('refuses a truncated weights file', async () => {
    const err = await broken((d) => writeFileSync(join(d, 'weights.json'), readFileSync(join(d, 'weights.json'), 'utf8').slice(0, 500)));
    expect(err).toMatchObject({ code: 'WARDEN_MODEL_INVALID' });
    expect(String((err as Error).message)).toMatch(/weights\.json does not match meta\.json/);
  });

  it('refuses meta.json that is not JSON', async () => {
    const err = await broken((d) => writeFileSync(join(d, 'meta.json'), '{"format": '));
    expect(err).toMatchObject({ code: 'WARDEN_MODEL_INVALID', message: expect.stringMatching(/meta\.json is not valid JSON/) });
  });

  it('refuses a model trained with another feature schema and says to retrain', async () => {
    const err = await broken((d) => {
      const meta = metaOf(d);
      meta.featureSchema.fingerprint = 'v0-120-deadbeef';
      writeFileSync(join(d, 'meta.json'), JSON.stringify(meta));
    });
    expect(err).toMatchObject({ code: 'WARDEN_MODEL_INVALID', message: expect.stringMatching(/feature schema v0-120-deadbeef.*retrain/) });
  });

  it('refuses weights whose shapes do not match the architecture', async () => {
    const err = await broken((d) => {
      const weights = JSON.parse(readFileSync(join(d, 'weights.json'), 'utf8')) as { layers: { kernel: { shape: number[] } }[] };
      const layer = weights.layers[1];
      if (layer) layer.kernel.shape = [8, 32];
      const text = `${JSON.stringify(weights)}\n`;
      writeFileSync(join(d, 'weights.json'), text);
      const meta = metaOf(d);
      meta.weightsSha256 = createHash('sha256').update(text).digest('hex');
      writeFileSync(join(d, 'meta.json'), JSON.stringify(meta));
    });
    expect(err).toMatchObject({ code: 'WARDEN_MODEL_INVALID', message: expect.stringMatching(/layer 1: kernel 8x32/) });
  });

  it('refuses a missing directory with the reason', async () => {
    await expect(loadModel(join(dir, 'nope'))).rejects.toMatchObject({ code: 'WARDEN_MODEL_INVALID', message: expect.stringMatching(/cannot read meta\.json \(ENOENT\)/) });
  });
});
