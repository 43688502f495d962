/** One small model trained once per test file on the synthetic fleet (seconds, not minutes). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticFleet } from '../../../bench/lib/synthetic-fleet.js';
import { selectBackend } from '../../../src/model/backend.js';
import { buildModel } from '../../../src/model/build.js';
import type { ModelArtifact } from '../../../src/model/build.js';
import { writeModel } from '../../../src/model/write.js';

export async function trainSmallModel(seed = 1): Promise<ModelArtifact> {
  await selectBackend({ prefer: 'wasm' });
  const { events } = syntheticFleet({ seed, days: 4, perPersona: 2 });
  return buildModel({ events, input: 'synthetic-fleet' }, { epochs: 12, patience: 3, seed, minClassRows: 200 });
}

export async function modelDir(artifact: ModelArtifact): Promise<{ dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-model-'));
  await writeModel(dir, artifact);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
