import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syntheticFleet } from '../../../bench/lib/synthetic-fleet.js';
import { decodeFloat32, encodeFloat32 } from '../../../src/model/artifact.js';
import type { ModelArtifact } from '../../../src/model/build.js';
import { FeatureExtractor } from '../../../src/model/extractor.js';
import { ModelHolder } from '../../../src/model/holder.js';
import { AutoencoderPort } from '../../../src/model/port.js';
import { writeModel } from '../../../src/model/write.js';
import { modelDir, trainSmallModel } from './helpers.js';

let artifact: ModelArtifact;

/** The same model with one output bias nudged: a different, valid version (no second training). */
function retrained(base: ModelArtifact, delta: number): ModelArtifact {
  const layers = base.weights.layers.map((l, i) => {
    if (i !== base.weights.layers.length - 1) return l;
    const bias = decodeFloat32(l.bias.data) ?? new Float32Array(0);
    bias[0] = (bias[0] ?? 0) + delta;
    return { ...l, bias: { ...l.bias, data: encodeFloat32(bias) } };
  });
  const weights = { ...base.weights, layers };
  const weightsText = `${JSON.stringify(weights)}\n`;
  const sha = createHash('sha256').update(weightsText).digest('hex');
  const meta = { ...base.meta, weightsSha256: sha, version: base.meta.version.replace(/[0-9a-f]{8}$/, sha.slice(0, 8)) };
  return { meta, weights, weightsText };
}

const events = syntheticFleet({ seed: 9, days: 1, perPersona: 1 }).events.slice(0, 100);
const features = new FeatureExtractor().extract(events);

beforeAll(async () => {
  artifact = await trainSmallModel(3);
}, 120_000);

describe('ModelHolder hot swap', () => {
  // Each test changes the files and the serving model, so each gets a directory and a holder of its
  // own, both starting from the trained model (shared, read-only): no test depends on another's.
  let dir: string;
  let holder: ModelHolder;

  beforeEach(async () => {
    const made = await modelDir(artifact);
    dir = made.dir;
    const opened = await ModelHolder.open(dir, { debounceMs: 20 }).catch((err: unknown) => {
      made.cleanup();
      throw err;
    });
    holder = opened;
    // Run after the test (as afterEach would): stops watching, frees the model, removes the directory.
    return async () => {
      try {
        await opened.dispose();
      } finally {
        made.cleanup();
      }
    };
  });

  it('keeps serving the previous model when the new files are corrupt', async () => {
    writeFileSync(join(dir, 'meta.json'), '{"format":"warden-model/1", "version": 12');
    const outcome = await holder.reload();
    expect(outcome).toMatchObject({ status: 'refused', version: artifact.meta.version, error: { code: 'WARDEN_MODEL_INVALID' } });
    expect(holder.current.version).toBe(artifact.meta.version);
    expect(holder.current.scoreBatch(features, events.length, []).error.length).toBe(events.length);
  });

  it('keeps serving when meta.json is valid but the weights are from another model', async () => {
    const other = retrained(artifact, 0.5);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(other.meta));
    writeFileSync(join(dir, 'weights.json'), artifact.weightsText.replace(/"data":"A/, '"data":"B'));
    const outcome = await holder.reload();
    expect(outcome.status).toBe('refused');
    expect(holder.current.version).toBe(artifact.meta.version);
  });

  it('swaps to a valid new model, frees the old one, and tells listeners', async () => {
    const old = holder.current;
    const next = retrained(artifact, 0.25);
    const seen: string[] = [];
    holder.onSwap((s) => seen.push(s.version));
    await writeModel(dir, next);
    const outcome = await holder.reload();
    expect(outcome).toEqual({ status: 'swapped', from: artifact.meta.version, to: next.meta.version });
    expect(holder.current.version).toBe(next.meta.version);
    expect(seen).toEqual([next.meta.version]);
    expect(() => old.scoreBatch(features, 1, [null])).toThrow(/disposed/);
    expect(await holder.reload()).toEqual({ status: 'unchanged', version: next.meta.version });
  });

  it('reloads by itself when the files in the watched directory change', async () => {
    holder.watch();
    const next = retrained(artifact, -0.3);
    const swapped = new Promise<string>((resolve) => holder.onSwap((s) => resolve(s.version)));
    await writeModel(dir, next);
    expect(await swapped).toBe(next.meta.version);
    expect(holder.current.version).toBe(next.meta.version);
  });
});

describe('AutoencoderPort (what the decider calls)', () => {
  it('returns one score per event with the serving version, anomaly only for unusual events', async () => {
    const { dir, cleanup } = await modelDir(artifact);
    const holder = await ModelHolder.open(dir);
    try {
      const port = new AutoencoderPort(holder, { weight: 30, minPercentile: 99.5, fullWeightPercentile: 99.95 });
      const normal = events.slice(0, 50);
      const base = normal[normal.length - 1];
      if (!base) throw new Error('no events');
      const odd = { ...base, id: 'odd', action: 'iam:AttachRolePolicy', privileged: true, source: { ip: '45.77.9.9', asn: 'AS20473', country: 'NL', userAgent: 'python-requests/2.31' } };
      const scores = await port.scoreBatch([...normal, odd], [...normal, odd].map(() => ({ class: null })));
      expect(port.version).toBe(artifact.meta.version);
      expect(scores).toHaveLength(51);
      const last = scores[50];
      expect(last?.anomaly).toBeGreaterThanOrEqual(0.5);
      expect(last?.reason?.code).toBe('MODEL_ANOMALY');
      const flagged = scores.slice(0, 50).filter((s) => s.anomaly > 0).length;
      expect(flagged).toBeLessThanOrEqual(2);
    } finally {
      await holder.dispose();
      cleanup();
    }
  });
});
