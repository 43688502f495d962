/**
 * Writing a model directory so that a watching Warden never sees a torn pair: each file is
 * written to a temporary name and renamed (atomic on one file system), weights first, meta last —
 * meta names the weights' SHA-256, so a reload between the two renames is refused, not served.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { META_FILE } from './artifact.js';
import type { ModelArtifact } from './build.js';

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export async function writeModel(dir: string, artifact: ModelArtifact): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, artifact.meta.weightsFile), artifact.weightsText);
  await writeAtomic(join(dir, META_FILE), `${JSON.stringify(artifact.meta, null, 2)}\n`);
}
